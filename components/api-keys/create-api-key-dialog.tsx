"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import { apiKeysApi, apiKeysQueryKey } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { DialogForm, DialogNameField, ShownOnce } from "@/components/ui/dialog-form";
import { errorMessage, fieldErrorsOf } from "@/lib/api/client";
import { toast } from "@/lib/toast";

/**
 * Names a new key, then shows its secret exactly once. The secret lives only in this dialog's
 * state and is dropped when the dialog closes.
 */
export function CreateApiKeyDialog({ workspaceId }: { workspaceId: string }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [name, setName] = React.useState("");
  const create = useMutation({
    mutationFn: (input: { name: string }) => apiKeysApi.create(workspaceId, input),
    onSuccess: ({ apiKey }) => {
      toast.success(`API key "${apiKey.name}" created`);
      return queryClient.invalidateQueries({ queryKey: apiKeysQueryKey(workspaceId) });
    },
  });
  const secret = create.data?.secret;
  const nameError = fieldErrorsOf(create.error).name;

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      create.reset();
      setName("");
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Create API key
        </Button>
      </DialogTrigger>
      <DialogContent
        // Clicking outside must not throw away a secret that cannot be shown again.
        onInteractOutside={(event) => secret && event.preventDefault()}
      >
        {secret ? (
          <ShownOnce
            title="Copy your new API key"
            description={
              <>
                Use it as <code className="font-mono text-xs">Authorization: Bearer &lt;key&gt;</code> when sending traces
                (OpenTelemetry exporters may also send it as <code className="font-mono text-xs">x-api-key</code>).
              </>
            }
            id="new-api-key-secret"
            label="API key"
            value={secret}
            copyLabel="Copy key"
            onDone={() => onOpenChange(false)}
          >
            <p className="border-warning/40 bg-warning/10 flex gap-2 rounded-md border px-3 py-2 text-sm" role="note">
              <TriangleAlertIcon className="text-warning mt-0.5 size-4 shrink-0" aria-hidden />
              <span>
                <strong className="font-medium">You won&apos;t see it again.</strong> Store it somewhere safe now; Tracecast
                keeps only a hash. If you lose it, create a new key and revoke this one.
              </span>
            </p>
          </ShownOnce>
        ) : (
          <DialogForm
            title={
              <>
                <KeyRoundIcon className="size-4" aria-hidden />
                Create API key
              </>
            }
            description="Your apps send traces with this key. Name it after where it will be used."
            error={create.error && !nameError ? errorMessage(create.error) : null}
            submitLabel="Create key"
            pending={create.isPending}
            onSubmit={() => create.mutate({ name })}
            onCancel={() => onOpenChange(false)}
          >
            <DialogNameField label="Name" error={nameError} value={name} onChange={setName} placeholder="Production backend" autoComplete="off" />
          </DialogForm>
        )}
      </DialogContent>
    </Dialog>
  );
}

"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, Loader2Icon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import { toast } from "sonner";
import { apiKeysApi, apiKeysQueryKey } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { errorMessage, fieldErrorsOf } from "@/lib/api/client";

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
          <div className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Copy your new API key</DialogTitle>
              <DialogDescription>
                Use it as <code className="font-mono text-xs">Authorization: Bearer &lt;key&gt;</code> when sending traces.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-2">
              <Label htmlFor="new-api-key-secret">API key</Label>
              <div className="flex flex-col gap-2 sm:flex-row">
                <Input
                  id="new-api-key-secret"
                  readOnly
                  value={secret}
                  className="font-mono text-xs md:text-xs"
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton value={secret} label="Copy key" className="shrink-0" />
              </div>
            </div>
            <p className="border-warning/40 bg-warning/10 flex gap-2 rounded-md border px-3 py-2 text-sm" role="note">
              <TriangleAlertIcon className="text-warning mt-0.5 size-4 shrink-0" aria-hidden />
              <span>
                <strong className="font-medium">You won&apos;t see it again.</strong> Store it somewhere safe now; Tracecast
                keeps only a hash. If you lose it, create a new key and revoke this one.
              </span>
            </p>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(event) => {
              event.preventDefault();
              create.mutate({ name });
            }}
          >
            <DialogHeader>
              <DialogTitle className="flex items-center gap-2">
                <KeyRoundIcon className="size-4" aria-hidden />
                Create API key
              </DialogTitle>
              <DialogDescription>
                Your apps send traces with this key. Name it after where it will be used.
              </DialogDescription>
            </DialogHeader>
            <FormError message={create.error && !nameError ? errorMessage(create.error) : null} />
            <FormField label="Name" error={nameError}>
              {(control) => (
                <Input
                  {...control}
                  name="name"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  placeholder="Production backend"
                  maxLength={100}
                  autoComplete="off"
                  required
                />
              )}
            </FormField>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import type { KeyKind } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { DialogForm, DialogNameField, ShownOnce } from "@/components/ui/dialog-form";
import { errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";

/**
 * Names a new key (an ingest key or a management key), then shows its secret exactly once. The
 * secret lives only in this dialog's state and is dropped when the dialog closes.
 */
export function CreateApiKeyDialog({
  workspaceId,
  kind,
  purpose,
  usage,
  placeholder,
  shownWith,
  onCreated,
  onClosed,
}: {
  workspaceId: string;
  kind: KeyKind;
  /** What the key is for, under the form's title. */
  purpose: string;
  /** How to use the secret, above it. */
  usage: React.ReactNode;
  placeholder: string;
  /** More to show with the new secret (how to use it). */
  shownWith?: (secret: string) => React.ReactNode;
  /** Told the new secret, for a screen that goes on using it while it is open. */
  onCreated?: (secret: string) => void;
  /** Told when the dialog closes (a screen that shows it only for a while keeps it until then). */
  onClosed?: () => void;
}) {
  const title = `Create ${kind.noun}`;
  const label = kind.noun[0].toUpperCase() + kind.noun.slice(1);
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [name, setName] = React.useState("");
  const create = useMutation({
    mutationFn: (input: { name: string }) => kind.create(workspaceId, input),
    onSuccess: ({ key, secret }) => {
      onCreated?.(secret);
      toast.success(`${label} "${key.name}" created`);
      return queryClient.invalidateQueries({ queryKey: kind.queryKey(workspaceId) });
    },
  });
  const secret = create.data?.secret;
  const nameError = fieldErrorsOf(create.error).name;

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      create.reset();
      setName("");
      onClosed?.();
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          {title}
        </Button>
      </DialogTrigger>
      <DialogContent
        className={secret && shownWith ? "max-h-[90dvh] overflow-y-auto sm:max-w-2xl" : undefined}
        // Clicking outside must not throw away a secret that cannot be shown again.
        onInteractOutside={(event) => secret && event.preventDefault()}
      >
        {secret ? (
          <ShownOnce
            title={`Copy your new ${kind.noun}`}
            description={usage}
            id="new-api-key-secret"
            label={label}
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
            {shownWith?.(secret)}
          </ShownOnce>
        ) : (
          <DialogForm
            title={
              <>
                <KeyRoundIcon className="size-4" aria-hidden />
                {title}
              </>
            }
            description={purpose}
            error={create.error && !nameError ? errorMessage(create.error) : null}
            submitLabel="Create key"
            pending={create.isPending}
            onSubmit={() => create.mutate({ name })}
            onCancel={() => onOpenChange(false)}
          >
            <DialogNameField label="Name" error={nameError} value={name} onChange={setName} placeholder={placeholder} autoComplete="off" />
          </DialogForm>
        )}
      </DialogContent>
    </Dialog>
  );
}

"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import * as z from "zod/mini";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { DialogForm, DialogNameField } from "@/components/ui/dialog-form";
import { api, errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspacePath } from "@/lib/workspace-paths";

const createdWorkspaceSchema = z.object({ workspace: z.object({ id: z.string(), name: z.string() }) });

export function CreateOrganizationDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const router = useRouter();
  const [name, setName] = React.useState("");
  const create = useMutation({
    mutationFn: (input: { name: string }) => api.post("/api/workspaces", createdWorkspaceSchema, input),
    onSuccess: ({ workspace }) => {
      toast.success(`Created ${workspace.name}`);
      onOpenChange(false);
      setName("");
      router.push(workspacePath(workspace.id, "observability"));
      router.refresh();
    },
  });
  const fieldError = fieldErrorsOf(create.error).name;
  const formError = create.error && !fieldError ? errorMessage(create.error) : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) create.reset();
        onOpenChange(next);
      }}
    >
      <DialogContent>
        <DialogForm
          title="Create organization"
          description="A shared workspace for your team, with its own destinations, API keys and members. You will be its owner."
          error={formError}
          submitLabel="Create organization"
          pending={create.isPending}
          onSubmit={() => create.mutate({ name })}
          onCancel={() => onOpenChange(false)}
        >
          <DialogNameField label="Organization name" error={fieldError} value={name} onChange={setName} placeholder="Acme Inc." autoComplete="organization" />
        </DialogForm>
      </DialogContent>
    </Dialog>
  );
}


"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { Loader2Icon } from "lucide-react";
import { toast } from "sonner";
import { z } from "zod";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { api, errorMessage, fieldErrorsOf } from "@/lib/api/client";
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
        <form
          className="grid gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate({ name });
          }}
        >
          <DialogHeader>
            <DialogTitle>Create organization</DialogTitle>
            <DialogDescription>
              A shared workspace for your team, with its own destinations, API keys and members. You will be its owner.
            </DialogDescription>
          </DialogHeader>
          <FormError message={formError} />
          <FormField label="Organization name" error={fieldError}>
            {(control) => (
              <Input
                {...control}
                name="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="Acme Inc."
                maxLength={100}
                autoComplete="organization"
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
              Create organization
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}


"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlusIcon } from "lucide-react";
import { membersApi, membersQueryKey, type MemberRow } from "@/components/members/api";
import { RoleSelect } from "@/components/members/role-select";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { DialogForm } from "@/components/ui/dialog-form";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { errorMessage, fieldErrorsOf } from "@/lib/client/api";
import type { Role } from "@/lib/generated/prisma/enums";
import { toast } from "@/lib/client/toast";

/** Adds someone who already has a Tracecast account; others get an invite link. */
export function AddMemberDialog({ workspaceId, roles }: { workspaceId: string; roles: Role[] }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [email, setEmail] = React.useState("");
  const [role, setRole] = React.useState<MemberRow["role"]>("member");
  const add = useMutation({
    mutationFn: () => membersApi.add(workspaceId, { email, role }),
    onSuccess: () => {
      toast.success(`Added ${email.trim()}`);
      setOpen(false);
      setEmail("");
      setRole("member");
      return queryClient.invalidateQueries({ queryKey: membersQueryKey(workspaceId) });
    },
  });
  const fields = fieldErrorsOf(add.error);
  const formError = add.error && !fields.email && !fields.role ? errorMessage(add.error) : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) add.reset();
        setOpen(next);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <UserPlusIcon aria-hidden />
          Add member
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogForm
          title="Add member"
          description="Add someone who already has a Tracecast account. For anyone else, create an invite link."
          error={formError}
          submitLabel="Add member"
          pending={add.isPending}
          onSubmit={() => add.mutate()}
          onCancel={() => setOpen(false)}
        >
          <FormField label="Email" error={fields.email}>
            {(control) => (
              <Input
                {...control}
                type="email"
                name="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                placeholder="teammate@example.com"
                autoComplete="off"
                required
              />
            )}
          </FormField>
          <FormField label="Role" error={fields.role}>
            {(control) => <RoleSelect {...control} roles={roles} value={role} onValueChange={setRole} className="w-full" />}
          </FormField>
        </DialogForm>
      </DialogContent>
    </Dialog>
  );
}

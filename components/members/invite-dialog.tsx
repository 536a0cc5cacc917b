"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LinkIcon } from "lucide-react";
import { invitesApi, invitesQueryKey, inviteUrl, type MemberRow } from "@/components/members/api";
import { RoleSelect } from "@/components/members/role-select";
import { ROLE_LABELS } from "@/components/shell/role-badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { DialogForm, ShownOnce } from "@/components/ui/dialog-form";
import { FormField } from "@/components/ui/form-field";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime } from "@/lib/client/format";
import type { Role } from "@/lib/generated/prisma/enums";
import { toast } from "@/lib/client/toast";

/** Creates a one-person invite link with a role and shows it once, ready to copy. */
export function InviteDialog({ workspaceId, roles }: { workspaceId: string; roles: Role[] }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [role, setRole] = React.useState<MemberRow["role"]>("member");
  const create = useMutation({
    mutationFn: () => invitesApi.create(workspaceId, role),
    onSuccess: () => {
      toast.success("Invite link created");
      return queryClient.invalidateQueries({ queryKey: invitesQueryKey(workspaceId) });
    },
  });
  const created = create.data;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          create.reset();
          setRole("member");
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <LinkIcon aria-hidden />
          Invite link
        </Button>
      </DialogTrigger>
      <DialogContent>
        {created ? (
          <ShownOnce
            title="Share this invite link"
            description={
              <>
                It lets one person join as {ROLE_LABELS[created.invite.role].toLowerCase()}. It expires{" "}
                {formatDateTime(created.invite.expiresAt)} and is shown only now.
              </>
            }
            id="invite-link"
            label="Invite link"
            value={inviteUrl(created.token)}
            copyLabel="Copy link"
            onDone={() => setOpen(false)}
          />
        ) : (
          <DialogForm
            title="Create an invite link"
            description="Anyone with the link can join once, signing up first if they have no account. Links expire after 7 days."
            error={create.error ? errorMessage(create.error) : null}
            submitLabel="Create link"
            pending={create.isPending}
            onSubmit={() => create.mutate()}
            onCancel={() => setOpen(false)}
          >
            <FormField label="Role">
              {(control) => <RoleSelect {...control} roles={roles} value={role} onValueChange={setRole} className="w-full" />}
            </FormField>
          </DialogForm>
        )}
      </DialogContent>
    </Dialog>
  );
}

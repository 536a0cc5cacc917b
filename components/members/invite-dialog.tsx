"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LinkIcon, Loader2Icon } from "lucide-react";
import { toast } from "sonner";
import { invitesApi, invitesQueryKey, inviteUrl, type MemberRow } from "@/components/members/api";
import { RoleSelect } from "@/components/members/role-select";
import { ROLE_LABELS } from "@/components/shell/role-badge";
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
import { errorMessage } from "@/lib/api/client";
import { formatDateTime } from "@/lib/format";
import type { Role } from "@/lib/generated/prisma/enums";

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
          <div className="grid gap-4">
            <DialogHeader>
              <DialogTitle>Share this invite link</DialogTitle>
              <DialogDescription>
                It lets one person join as {ROLE_LABELS[created.invite.role].toLowerCase()}. It expires{" "}
                {formatDateTime(created.invite.expiresAt)} and is shown only now.
              </DialogDescription>
            </DialogHeader>
            <div className="grid gap-2">
              <Label htmlFor="invite-link">Invite link</Label>
              <div className="flex flex-col gap-2 sm:flex-row">
                <Input
                  id="invite-link"
                  readOnly
                  value={inviteUrl(created.token)}
                  className="font-mono text-xs md:text-xs"
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton value={inviteUrl(created.token)} label="Copy link" className="shrink-0" />
              </div>
            </div>
            <DialogFooter>
              <Button onClick={() => setOpen(false)}>Done</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(event) => {
              event.preventDefault();
              create.mutate();
            }}
          >
            <DialogHeader>
              <DialogTitle>Create an invite link</DialogTitle>
              <DialogDescription>
                Anyone with the link can join once, signing up first if they have no account. Links expire after 7 days.
              </DialogDescription>
            </DialogHeader>
            <FormError message={create.error ? errorMessage(create.error) : null} />
            <FormField label="Role">
              {(control) => <RoleSelect {...control} roles={roles} value={role} onValueChange={setRole} className="w-full" />}
            </FormField>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
                Create link
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BanIcon, Building2Icon, LinkIcon, Loader2Icon, UserMinusIcon, UsersIcon } from "lucide-react";
import { AddMemberDialog } from "@/components/members/add-member-dialog";
import {
  invitesApi,
  invitesQueryKey,
  membersApi,
  membersQueryKey,
  type InviteRow,
  type MemberRow,
} from "@/components/members/api";
import { InviteDialog } from "@/components/members/invite-dialog";
import { grantableRoles, mayManageMember } from "@/components/members/role-rules";
import { RoleSelect } from "@/components/members/role-select";
import { ConfirmDialog } from "@/components/shell/confirm-dialog";
import { CreateOrganizationDialog } from "@/components/shell/create-organization-dialog";
import { DataTable } from "@/components/shell/data-table";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { RowActionButton } from "@/components/shell/row-action-button";
import { RoleBadge } from "@/components/shell/role-badge";
import { UserAvatar } from "@/components/shell/user-menu";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDate, formatDateTime, formatRelative } from "@/lib/client/format";
import type { Role } from "@/lib/generated/prisma/enums";
import { toast } from "@/lib/client/toast";

function MemberRoleCell({ workspaceId, member, roles }: { workspaceId: string; member: MemberRow; roles: Role[] }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (role: Role) => membersApi.changeRole(workspaceId, member.id, role),
    onSuccess: (_, role) => {
      toast.success(`${member.email} is now ${role}`);
      return queryClient.invalidateQueries({ queryKey: membersQueryKey(workspaceId) });
    },
  });
  return (
    <div className="grid gap-1">
      <div className="flex items-center gap-2">
        <RoleSelect
          size="sm"
          className="w-28"
          aria-label={`Role of ${member.email}`}
          roles={roles}
          value={change.isPending && change.variables ? change.variables : member.role}
          onValueChange={(role) => role !== member.role && change.mutate(role)}
          disabled={change.isPending}
        />
        {change.isPending && <Loader2Icon className="text-muted-foreground size-4 animate-spin" aria-label="Saving" />}
      </div>
      {change.error && (
        <p role="alert" className="text-destructive max-w-64 text-xs whitespace-normal">
          {errorMessage(change.error)}
        </p>
      )}
    </div>
  );
}

function RemoveMemberButton({ workspaceId, member, isSelf }: { workspaceId: string; member: MemberRow; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => membersApi.remove(workspaceId, member.id),
    onSuccess: () => {
      toast.success(`Removed ${member.email}`);
      return queryClient.invalidateQueries({ queryKey: membersQueryKey(workspaceId) });
    },
  });
  return (
    <ConfirmDialog
      trigger={
        <RowActionButton icon={<UserMinusIcon aria-hidden />} aria-label={`Remove ${member.email}`}>
          Remove
        </RowActionButton>
      }
      title={isSelf ? "Remove yourself?" : `Remove ${member.name ?? member.email}?`}
      description={
        isSelf
          ? "You will lose access to this organization until someone adds you again."
          : `${member.email} loses access to this organization at once. Their API keys keep working until revoked.`
      }
      confirmLabel="Remove member"
      mutation={remove}
    />
  );
}

function MembersTable({ members }: { members: MemberRow[] }) {
  const { workspace, user } = useCurrentWorkspace();
  const roles = grantableRoles(workspace.role);
  const manageable = (m: MemberRow) => workspace.kind === "organization" && mayManageMember(workspace.role, m.role);
  const anyActions = members.some(manageable);

  return (
    <DataTable aria-label="Members">
      <TableHeader>
        <TableRow>
          <TableHead>Member</TableHead>
          <TableHead>Role</TableHead>
          <TableHead className="hidden sm:table-cell">Joined</TableHead>
          {anyActions && (
            <TableHead>
              <span className="sr-only">Actions</span>
            </TableHead>
          )}
        </TableRow>
      </TableHeader>
      <TableBody>
        {members.map((member) => {
          const isSelf = member.userId === user.id;
          return (
            <TableRow key={member.id}>
              <TableCell>
                <div className="flex items-center gap-3">
                  <UserAvatar name={member.name} email={member.email} className="hidden sm:flex" />
                  {/* Phones: the identity gives way (truncated) so the role and remove controls stay on screen. */}
                  <div className="grid max-w-32 min-w-0 leading-tight sm:max-w-none">
                    <span className="flex min-w-0 items-center gap-2 font-medium">
                      <span className="truncate">
                      {member.name ?? member.email}
                      </span>
                      {isSelf && <Badge variant="outline">You</Badge>}
                    </span>
                    {member.name && <span className="text-muted-foreground truncate text-xs">{member.email}</span>}
                  </div>
                </div>
              </TableCell>
              <TableCell>
                {manageable(member) ? (
                  <MemberRoleCell workspaceId={workspace.id} member={member} roles={roles} />
                ) : (
                  <RoleBadge role={member.role} />
                )}
              </TableCell>
              <TableCell className="hidden sm:table-cell">
                <span title={formatDateTime(member.joinedAt)}>{formatDate(member.joinedAt)}</span>
              </TableCell>
              {anyActions && (
                <TableCell className="text-right">
                  {manageable(member) && <RemoveMemberButton workspaceId={workspace.id} member={member} isSelf={isSelf} />}
                </TableCell>
              )}
            </TableRow>
          );
        })}
      </TableBody>
    </DataTable>
  );
}

function RevokeInviteButton({ workspaceId, invite }: { workspaceId: string; invite: InviteRow }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => invitesApi.revoke(workspaceId, invite.id),
    onSuccess: () => {
      toast.success("Invite link revoked");
      return queryClient.invalidateQueries({ queryKey: invitesQueryKey(workspaceId) });
    },
  });
  return (
    <ConfirmDialog
      trigger={
        <RowActionButton
          icon={<BanIcon aria-hidden />}
          aria-label={`Revoke ${invite.role} invite created ${formatDateTime(invite.createdAt)}`}
        >
          Revoke
        </RowActionButton>
      }
      title="Revoke this invite link?"
      description="Nobody can join with it any more. Create a new link if you still want to invite someone."
      confirmLabel="Revoke link"
      mutation={revoke}
    />
  );
}

function PendingInvites({ workspaceId }: { workspaceId: string }) {
  const invites = useQuery({ queryKey: invitesQueryKey(workspaceId), queryFn: () => invitesApi.list(workspaceId) });
  return (
    <section aria-labelledby="pending-invites" className="grid gap-4">
      <div className="grid gap-1">
        <h2 id="pending-invites" className="text-base font-semibold">
          Pending invites
        </h2>
        <p className="text-muted-foreground text-sm">Links that have not been used, revoked or expired yet.</p>
      </div>
      <QueryView
        query={invites}
        what="invites"
        isEmpty={(rows) => !rows.some((i) => i.status === "pending")}
        empty={
          <EmptyState
            icon={<LinkIcon />}
            title="No pending invites"
            description="Invite links you create appear here until someone uses them."
            className="py-8"
          />
        }
      >
        {(rows) => (
          <DataTable aria-label="Pending invites">
            <TableHeader>
              <TableRow>
                <TableHead>Role</TableHead>
                <TableHead className="hidden sm:table-cell">Created by</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows
                .filter((i) => i.status === "pending")
                .map((invite) => (
                  <TableRow key={invite.id}>
                    <TableCell>
                      <RoleBadge role={invite.role} />
                    </TableCell>
                    <TableCell className="hidden sm:table-cell">
                      {invite.createdBy ? (invite.createdBy.name ?? invite.createdBy.email) : "—"}
                      <span className="text-muted-foreground block text-xs">{formatRelative(invite.createdAt)}</span>
                    </TableCell>
                    <TableCell>
                      <time dateTime={invite.expiresAt} title={formatDateTime(invite.expiresAt)}>
                        {formatRelative(invite.expiresAt)}
                      </time>
                    </TableCell>
                    <TableCell className="text-right">
                      <RevokeInviteButton workspaceId={workspaceId} invite={invite} />
                    </TableCell>
                  </TableRow>
                ))}
            </TableBody>
          </DataTable>
        )}
      </QueryView>
    </section>
  );
}

function PersonalWorkspaceNote() {
  const [creating, setCreating] = React.useState(false);
  return (
    <EmptyState
      icon={<Building2Icon />}
      title="Your personal workspace has only you"
      description="To work with others, create an organization: you become its owner and can add members and share invite links."
      action={
        <>
          <Button variant="outline" onClick={() => setCreating(true)}>
            Create organization
          </Button>
          <CreateOrganizationDialog open={creating} onOpenChange={setCreating} />
        </>
      }
    />
  );
}

export function MembersScreen() {
  const { workspace } = useCurrentWorkspace();
  const isOrganization = workspace.kind === "organization";
  const roles = grantableRoles(workspace.role);
  const canManage = isOrganization && roles.length > 0;
  const members = useQuery({ queryKey: membersQueryKey(workspace.id), queryFn: () => membersApi.list(workspace.id) });

  return (
    <div className="grid gap-8">
      <PageHeader
        title="Members"
        description={
          isOrganization
            ? "Who can use this organization, and with which role. Owners and admins manage members."
            : "The people in this workspace."
        }
        actions={
          canManage && (
            <>
              <InviteDialog workspaceId={workspace.id} roles={roles} />
              <AddMemberDialog workspaceId={workspace.id} roles={roles} />
            </>
          )
        }
      />
      <QueryView
        query={members}
        what="members"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState icon={<UsersIcon />} title="No members" />}
      >
        {(rows) => <MembersTable members={rows} />}
      </QueryView>
      {!isOrganization && <PersonalWorkspaceNote />}
      {canManage && <PendingInvites workspaceId={workspace.id} />}
    </div>
  );
}

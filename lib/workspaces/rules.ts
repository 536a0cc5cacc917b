// The membership rules shared by direct adds, role changes, removals and invites:
//  - personal workspaces have exactly one member, their owner;
//  - only owners grant or revoke the owner role (admins manage admins and members);
//  - the last owner can never be demoted or removed, nor leave.
// Checks run under a lock on the workspace row, against the actor's role as it is at that moment.
import { ApiError, forbidden, notFound } from "@/lib/errors";
import { can, type Permission } from "@/lib/auth/permissions";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { lockWorkspace } from "@/lib/db-client";
import type { Prisma, Role } from "@/lib/generated/prisma/client";

export function assertOrganization(ctx: WorkspaceContext): void {
  if (ctx.workspace.kind === "personal")
    throw new ApiError(409, "personal_workspace", "Personal workspaces cannot have other members; create an organization to work with others");
}

/**
 * Locks the workspace's memberships and returns the actor's role as it is now (it may have changed
 * since the request was authorized), re-checking `permission` against it.
 */
export async function lockMemberships(
  tx: Prisma.TransactionClient,
  ctx: WorkspaceContext,
  permission: Permission | null,
): Promise<Role> {
  await lockWorkspace(tx, ctx.workspace.id);
  const actor = await tx.membership.findUnique({ where: { id: ctx.membership.id }, select: { role: true } });
  if (!actor) throw notFound("Workspace");
  if (permission && !can(actor.role, permission)) throw forbidden(`Your role (${actor.role}) does not allow ${permission}`);
  return actor.role;
}

/** Granting the owner role, or changing or removing an owner, takes an owner. */
export function assertMayTouchOwners(actorRole: Role, ...roles: Role[]): void {
  if (roles.includes("owner") && actorRole !== "owner")
    throw forbidden("Only owners can grant, change or remove the owner role");
}

export async function assertNotLastOwner(tx: Prisma.TransactionClient, workspaceId: string, message: string): Promise<void> {
  const owners = await tx.membership.count({ where: { workspaceId, role: "owner" } });
  if (owners <= 1) throw new ApiError(409, "last_owner", message);
}

// Workspace members: list, add an existing user by email, change roles, remove, leave. The rules
// (owners, last owner, personal workspaces) are in ./rules.ts.
import "server-only";
import { z } from "zod";
import { ApiError, notFound, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { isUniqueViolation } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import type { Prisma, Role } from "@/lib/generated/prisma/client";
import { emailSchema } from "@/lib/workspaces/provision";
import { assertMayTouchOwners, assertNotLastOwner, assertOrganization, lockMemberships } from "@/lib/workspaces/rules";

export const ROLES = ["owner", "admin", "member"] as const satisfies readonly Role[];
export const roleSchema = z.enum(ROLES);

export const addMemberSchema = z.object({ email: emailSchema, role: roleSchema });
export type AddMemberInput = z.input<typeof addMemberSchema>;
export const changeRoleSchema = z.object({ role: roleSchema });
export type ChangeRoleInput = z.input<typeof changeRoleSchema>;

export type MemberSummary = {
  /** The membership id: what the member routes take. */
  id: string;
  userId: string;
  email: string;
  name: string | null;
  image: string | null;
  role: Role;
  joinedAt: Date;
};

const memberSelect = {
  id: true,
  role: true,
  createdAt: true,
  user: { select: { id: true, email: true, name: true, image: true } },
} satisfies Prisma.MembershipSelect;

type MemberRow = Prisma.MembershipGetPayload<{ select: typeof memberSelect }>;

function summarize(row: MemberRow): MemberSummary {
  return { id: row.id, userId: row.user.id, email: row.user.email, name: row.user.name, image: row.user.image, role: row.role, joinedAt: row.createdAt };
}

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** Owners first, then admins, then members; by email within a role. */
export async function listMembers(ctx: WorkspaceContext): Promise<MemberSummary[]> {
  const rows = await prisma.membership.findMany({ where: { workspaceId: ctx.workspace.id }, select: memberSelect });
  return rows.map(summarize).sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.email.localeCompare(b.email));
}

/** Adds a user who already has an account. An unknown email is a 404 naming `email`. */
export async function addMember(ctx: WorkspaceContext, input: AddMemberInput): Promise<MemberSummary> {
  const { email, role } = parseInput(addMemberSchema, input);
  assertOrganization(ctx);
  return prisma.$transaction(async (tx) => {
    assertMayTouchOwners(await lockMemberships(tx, ctx, "members:manage"), role);
    const user = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (!user)
      throw new ApiError(404, "not_found", "No account uses this email; send an invite link instead", [
        { path: "email", message: "No account uses this email" },
      ]);
    let row: MemberRow;
    try {
      row = await tx.membership.create({ data: { workspaceId: ctx.workspace.id, userId: user.id, role }, select: memberSelect });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError(409, "conflict", "This user is already a member", [{ path: "email", message: "Already a member" }]);
      throw err;
    }
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "member.add",
      targetType: "membership",
      targetId: row.id,
      after: { email: row.user.email, role: row.role },
    });
    return summarize(row);
  });
}

async function findMember(tx: Prisma.TransactionClient, ctx: WorkspaceContext, membershipId: string): Promise<MemberRow> {
  const row = await tx.membership.findFirst({ where: { id: membershipId, workspaceId: ctx.workspace.id }, select: memberSelect });
  if (!row) throw notFound("Member");
  return row;
}

export async function changeMemberRole(ctx: WorkspaceContext, membershipId: string, input: ChangeRoleInput): Promise<MemberSummary> {
  const { role } = parseInput(changeRoleSchema, input);
  return prisma.$transaction(async (tx) => {
    const actorRole = await lockMemberships(tx, ctx, "members:manage");
    const target = await findMember(tx, ctx, membershipId);
    if (target.role === role) return summarize(target);
    assertMayTouchOwners(actorRole, target.role, role);
    if (target.role === "owner") await assertNotLastOwner(tx, ctx.workspace.id, "The last owner cannot be demoted; make someone else an owner first");
    const row = await tx.membership.update({ where: { id: target.id }, data: { role }, select: memberSelect });
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "member.role_change",
      targetType: "membership",
      targetId: row.id,
      before: { email: target.user.email, role: target.role },
      after: { email: row.user.email, role: row.role },
    });
    return summarize(row);
  });
}

/** Removes a member (an admin or owner acting on someone, or on themselves). Returns who was removed. */
export async function removeMember(ctx: WorkspaceContext, membershipId: string): Promise<MemberSummary> {
  return prisma.$transaction(async (tx) => {
    const actorRole = await lockMemberships(tx, ctx, "members:manage");
    const target = await findMember(tx, ctx, membershipId);
    assertMayTouchOwners(actorRole, target.role);
    return deleteMembership(tx, ctx, target, "member.remove");
  });
}

/** The signed-in user leaves the workspace. The last owner cannot; nobody leaves their personal workspace. */
export async function leaveWorkspace(ctx: WorkspaceContext): Promise<MemberSummary> {
  assertOrganization(ctx);
  return prisma.$transaction(async (tx) => {
    await lockMemberships(tx, ctx, null);
    return deleteMembership(tx, ctx, await findMember(tx, ctx, ctx.membership.id), "member.leave");
  });
}

async function deleteMembership(
  tx: Prisma.TransactionClient,
  ctx: WorkspaceContext,
  target: MemberRow,
  action: "member.remove" | "member.leave",
): Promise<MemberSummary> {
  if (target.role === "owner") await assertNotLastOwner(tx, ctx.workspace.id, "The last owner cannot leave or be removed; make someone else an owner first");
  await tx.membership.delete({ where: { id: target.id } });
  await recordAudit(tx, {
    workspaceId: ctx.workspace.id,
    actor: ctx.user,
    action,
    targetType: "membership",
    targetId: target.id,
    before: { email: target.user.email, role: target.role },
  });
  return summarize(target);
}

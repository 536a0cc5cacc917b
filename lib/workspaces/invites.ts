// Invite links: a random token in the link, only its sha256 stored. An invite carries a role,
// expires after 7 days, can be revoked, and admits exactly one person.
import "server-only";
import { z } from "zod";
import { ApiError, notFound, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { SessionUser } from "@/lib/auth/session-user";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { lockWorkspace } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import type { Invite, Role, WorkspaceKind } from "@/lib/generated/prisma/client";
import { roleSchema } from "@/lib/workspaces/members";
import { peopleById, type Person } from "@/lib/workspaces/people";
import { assertMayTouchOwners, assertOrganization, lockMemberships } from "@/lib/workspaces/rules";
import { sha256Hex } from "@/lib/hash";
import { randomToken } from "@/lib/tokens";

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Where an invite link points: the acceptance page, app/(auth)/invite/[token]. */
export const invitePath = (token: string) => `/invite/${encodeURIComponent(token)}`;

/** The full link: on AUTH_URL's origin when it pins the public address (behind a proxy), else the request's. */
export function inviteUrl(token: string, requestOrigin: string): string {
  return new URL(invitePath(token), process.env.AUTH_URL?.trim() || requestOrigin).toString();
}

export const createInviteSchema = z.object({ role: roleSchema });
export type CreateInviteInput = z.input<typeof createInviteSchema>;
export const acceptInviteSchema = z.object({ token: z.string().trim().min(1, "Token is required").max(200) });
export type AcceptInviteInput = z.input<typeof acceptInviteSchema>;

export type InviteStatus = "pending" | "accepted" | "revoked" | "expired";

export type InviteSummary = {
  id: string;
  role: Role;
  status: InviteStatus;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdBy: Person | null;
  acceptedBy: Person | null;
};

export function inviteStatus(invite: Invite, now = new Date()): InviteStatus {
  if (invite.acceptedAt) return "accepted";
  if (invite.revokedAt) return "revoked";
  return invite.expiresAt <= now ? "expired" : "pending";
}

async function summarizeAll(invites: Invite[]): Promise<InviteSummary[]> {
  const people = await peopleById(invites.flatMap((i) => [i.createdById, i.acceptedBy]));
  const now = new Date();
  return invites.map((i) => ({
    id: i.id,
    role: i.role,
    status: inviteStatus(i, now),
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    acceptedAt: i.acceptedAt,
    revokedAt: i.revokedAt,
    createdBy: people.get(i.createdById) ?? null,
    acceptedBy: i.acceptedBy ? (people.get(i.acceptedBy) ?? null) : null,
  }));
}

/** A new invite link. `token` goes into the link (invitePath) and is not retrievable later. */
export async function createInvite(ctx: WorkspaceContext, input: CreateInviteInput): Promise<{ invite: InviteSummary; token: string }> {
  const { role } = parseInput(createInviteSchema, input);
  assertOrganization(ctx);
  const token = randomToken();
  const invite = await prisma.$transaction(async (tx) => {
    assertMayTouchOwners(await lockMemberships(tx, ctx, "members:manage"), role);
    const created = await tx.invite.create({
      data: {
        workspaceId: ctx.workspace.id,
        tokenHash: sha256Hex(token),
        role,
        createdById: ctx.user.id,
        expiresAt: new Date(Date.now() + INVITE_TTL_MS),
      },
    });
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "invite.create",
      targetType: "invite",
      targetId: created.id,
      after: { role: created.role, expiresAt: created.expiresAt.toISOString() },
    });
    return created;
  });
  const [summary] = await summarizeAll([invite]);
  return { invite: summary, token };
}

const INVITE_LIST_LIMIT = 200;

/** The workspace's most recent invites, newest first, each with its status. */
export async function listInvites(ctx: WorkspaceContext): Promise<InviteSummary[]> {
  const invites = await prisma.invite.findMany({
    where: { workspaceId: ctx.workspace.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: INVITE_LIST_LIMIT,
  });
  return summarizeAll(invites);
}

/** Revokes a pending invite. Accepted invites cannot be revoked (remove the member instead). */
export async function revokeInvite(ctx: WorkspaceContext, inviteId: string): Promise<InviteSummary> {
  const invite = await prisma.$transaction(async (tx) => {
    const where = { id: inviteId, workspaceId: ctx.workspace.id };
    const current = await tx.invite.findFirst({ where });
    if (!current) throw notFound("Invite");
    if (current.acceptedAt) throw new ApiError(409, "invite_accepted", "This invite was already accepted; remove the member instead");
    if (current.revokedAt) return current;
    const revoked = await tx.invite.update({ where: { id: current.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "invite.revoke",
      targetType: "invite",
      targetId: revoked.id,
      before: { role: current.role, revokedAt: null },
      after: { role: revoked.role, revokedAt: revoked.revokedAt?.toISOString() ?? null },
    });
    return revoked;
  });
  const [summary] = await summarizeAll([invite]);
  return summary;
}

export type InvitePreview = { workspaceName: string; workspaceKind: WorkspaceKind; role: Role; status: InviteStatus; expiresAt: Date };

/** What the acceptance page shows before the user accepts; null for an unknown token. */
export async function previewInvite(token: string): Promise<InvitePreview | null> {
  const invite = await prisma.invite.findUnique({
    where: { tokenHash: sha256Hex(token) },
    include: { workspace: { select: { name: true, kind: true } } },
  });
  if (!invite) return null;
  return { workspaceName: invite.workspace.name, workspaceKind: invite.workspace.kind, role: invite.role, status: inviteStatus(invite), expiresAt: invite.expiresAt };
}

function unusable(status: Exclude<InviteStatus, "pending">): ApiError {
  const message = {
    accepted: "This invite link was already used",
    revoked: "This invite link was revoked",
    expired: "This invite link has expired; ask for a new one",
  }[status];
  return new ApiError(410, `invite_${status}`, message, [{ path: "token", message }]);
}

/**
 * Joins the invite's workspace with its role and uses the invite up. A user who is already a member
 * keeps their role and leaves the invite for the person it was meant for.
 */
export async function acceptInvite(user: SessionUser, input: AcceptInviteInput): Promise<{ workspaceId: string; alreadyMember: boolean }> {
  const { token } = parseInput(acceptInviteSchema, input);
  return prisma.$transaction(async (tx) => {
    const invite = await tx.invite.findUnique({ where: { tokenHash: sha256Hex(token) } });
    if (!invite) throw new ApiError(404, "not_found", "Invite not found", [{ path: "token", message: "Unknown invite link" }]);
    await lockWorkspace(tx, invite.workspaceId);
    const member = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId: invite.workspaceId, userId: user.id } } });
    if (member) return { workspaceId: invite.workspaceId, alreadyMember: true };
    const now = new Date();
    // Conditional update: of two people accepting the same link at once, exactly one gets in.
    const { count } = await tx.invite.updateMany({
      where: { id: invite.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now, acceptedBy: user.id },
    });
    if (count !== 1) {
      const status = inviteStatus((await tx.invite.findUnique({ where: { id: invite.id } })) ?? invite, now);
      throw unusable(status === "pending" ? "accepted" : status);
    }
    const membership = await tx.membership.create({ data: { workspaceId: invite.workspaceId, userId: user.id, role: invite.role } });
    await recordAudit(tx, {
      workspaceId: invite.workspaceId,
      actor: user,
      action: "invite.accept",
      targetType: "membership",
      targetId: membership.id,
      after: { email: user.email, role: membership.role, inviteId: invite.id },
    });
    return { workspaceId: invite.workspaceId, alreadyMember: false };
  });
}

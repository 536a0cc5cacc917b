// Which workspaces a user belongs to, and with which role. Every workspace-scoped route
// (lib/api/route.ts) and page/server action (requireWorkspace) goes through findMembership, so the
// workspace id of a URL is only ever used together with the caller's own membership.
import "server-only";
import { cache } from "react";
import { forbidden, notFound } from "next/navigation";
import { can, type Permission } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Membership, Role, Workspace, WorkspaceKind } from "@/lib/generated/prisma/client";

export type WorkspaceContext = { user: SessionUser; workspace: Workspace; membership: Membership };

// One query per (user, workspace) per request, however many layouts and pages ask.
const membershipWithWorkspace = cache((userId: string, workspaceId: string) =>
  prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, include: { workspace: true } }),
);

/** The user's membership of the workspace, or null when there is none (or no such workspace). */
export async function findMembership(user: SessionUser, workspaceId: string): Promise<WorkspaceContext | null> {
  const row = await membershipWithWorkspace(user.id, workspaceId);
  if (!row) return null;
  const { workspace, ...membership } = row;
  return { user, workspace, membership };
}

/**
 * For pages and server actions, with the rules of defineRoute: signed out → redirect to sign-in;
 * not a member (or no such workspace) → notFound(), so other tenants' ids reveal nothing; a role
 * without the permission → forbidden() (needs experimental.authInterrupts, set in next.config.ts).
 */
export async function requireWorkspace(workspaceId: string, permission: Permission): Promise<WorkspaceContext> {
  const user = await requireUser();
  const ctx = await findMembership(user, workspaceId);
  if (!ctx) notFound();
  if (!can(ctx.membership.role, permission)) forbidden();
  return ctx;
}

export type WorkspaceSummary = { id: string; name: string; kind: WorkspaceKind; role: Role; createdAt: Date };

/** The user's workspaces: the personal one first, then organizations by name. */
export async function listWorkspaces(userId: string): Promise<WorkspaceSummary[]> {
  const memberships = await prisma.membership.findMany({
    where: { userId },
    select: { role: true, workspace: { select: { id: true, name: true, kind: true, createdAt: true } } },
  });
  return memberships
    .map(({ role, workspace }) => ({ ...workspace, role }))
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "personal" ? -1 : 1));
}

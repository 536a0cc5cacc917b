// Reading change requests: the list (filtered, keyset-paged), one request, the nav badge's counts.
import "server-only";
import { z } from "zod";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import type { ChangeRequest } from "@/lib/generated/prisma/client";
import { ACTIONS } from "./actions";
import type { DiffEntry } from "./diff";
import { actionOf, broadcastMarker, findRequest, type ChangeRequestView, type Person } from "./requests";
import { CHANGE_REQUEST_STATUSES } from "./vocabulary";

export const CHANGE_REQUEST_PAGE_MAX = 100;

export const listQuerySchema = z.object({
  status: z.enum(CHANGE_REQUEST_STATUSES).optional(),
  /** Only the caller's own requests. */
  mine: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  targetId: z.string().min(1).max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(CHANGE_REQUEST_PAGE_MAX).default(50),
});

/** Rows as the API shows them: names of people and targets, the title, whether the target moved on. */
export async function views(ctx: WorkspaceContext, rows: ChangeRequest[]): Promise<ChangeRequestView[]> {
  const userIds = [...new Set(rows.flatMap((r) => [r.proposerId, ...(r.deciderId ? [r.deciderId] : [])]))];
  const destinationIds = [...new Set(rows.filter((r) => r.targetId && r.targetId !== ctx.workspace.id).map((r) => r.targetId!))];
  const [users, destinations, ws] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true, name: true } }),
    prisma.destination.findMany({ where: { id: { in: destinationIds }, workspaceId: ctx.workspace.id }, select: { id: true, name: true, version: true, deletedAt: true } }),
    prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } }),
  ]);
  const people = new Map(users.map((u) => [u.id, u]));
  const targets = new Map(destinations.map((d) => [d.id, d]));
  const person = (id: string): Person => people.get(id) ?? { id, email: "deleted user", name: null };
  return rows.map((row) => {
    const action = actionOf(row.action);
    const spec = ACTIONS[action];
    const payload = row.payload as Record<string, unknown>;
    const destination = row.targetId ? targets.get(row.targetId) : undefined;
    const targetName = spec.target === "workspace" ? "Broadcast" : (destination?.name ?? (typeof payload.name === "string" ? payload.name : null));
    let stale = false;
    if (row.status === "pending" && spec.target === "destination") stale = !destination || Boolean(destination.deletedAt) || destination.version !== row.baseVersion;
    if (row.status === "pending" && spec.target === "workspace") stale = broadcastMarker(ws.broadcastEnabled) !== row.baseVersion;
    return {
      id: row.id,
      action,
      title: spec.title(spec.target === "destination" ? (destination?.name ?? null) : targetName, payload as never),
      targetType: spec.target,
      targetId: row.targetId,
      targetName,
      targetExists: spec.target === "workspace" || (destination !== undefined && !destination.deletedAt),
      status: row.status,
      comment: row.comment,
      reason: row.reason,
      diff: (row.diff ?? []) as DiffEntry[],
      proposer: person(row.proposerId),
      decider: row.deciderId ? person(row.deciderId) : null,
      createdAt: row.createdAt,
      decidedAt: row.decidedAt,
      stale,
    };
  });
}

export async function getChangeRequest(ctx: WorkspaceContext, id: string): Promise<ChangeRequestView> {
  return (await views(ctx, [await findRequest(prisma, ctx, id)]))[0];
}

export async function listChangeRequests(ctx: WorkspaceContext, query: z.output<typeof listQuerySchema>) {
  const { status, mine, targetId, cursor, limit } = query;
  const rows = await prisma.changeRequest.findMany({
    where: {
      workspaceId: ctx.workspace.id,
      ...(status ? { status } : {}),
      ...(mine ? { proposerId: ctx.user.id } : {}),
      ...(targetId ? { targetId } : {}),
      ...(cursor ? cursorWhere(decodeCursor(cursor)) : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { changeRequests: await views(ctx, page), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}

/** For the nav badge: pending requests in the workspace, and the caller's own pending ones. */
export async function countPending(ctx: WorkspaceContext): Promise<{ pending: number; minePending: number }> {
  const [pending, minePending] = await Promise.all([
    prisma.changeRequest.count({ where: { workspaceId: ctx.workspace.id, status: "pending" } }),
    prisma.changeRequest.count({ where: { workspaceId: ctx.workspace.id, status: "pending", proposerId: ctx.user.id } }),
  ]);
  return { pending, minePending };
}

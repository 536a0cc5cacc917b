// In-app notifications (the bell): a message for one user in one workspace, read only by that user.
// Today one kind: a member's change request was decided (approved, rejected, or found in conflict
// when an admin tried to approve it). Written in the decision's own transaction, so a decision and
// its notification commit together.
import "server-only";
import { z } from "zod";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { notFound, parseInput } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import type { Notification, Prisma } from "@/lib/generated/prisma/client";

export const NOTIFICATION_PAGE_MAX = 50;
/** Longest body stored: a rejection reason is at most 1000 characters, plus the sentence around it. */
const MAX_BODY = 1200;

export type NotificationView = Omit<Notification, "userId" | "workspaceId">;

export type DecisionOutcome = "approved" | "rejected" | "conflict";

const DECISION_TITLE: Record<DecisionOutcome, string> = {
  approved: "Approved",
  rejected: "Rejected",
  conflict: "Not applied",
};

/**
 * Tells the proposer of a change request how it was decided. Nothing when the decider is the
 * proposer (they know): a withdrawal, or an own request turned conflict.
 */
export async function notifyDecision(
  tx: Prisma.TransactionClient,
  input: { workspaceId: string; proposerId: string; deciderId: string; deciderEmail: string; changeRequestId: string; requestTitle: string; outcome: DecisionOutcome; reason?: string | null },
): Promise<void> {
  if (input.proposerId === input.deciderId) return;
  const by = `by ${input.deciderEmail}`;
  const body =
    input.outcome === "approved"
      ? `Approved ${by} and applied.`
      : input.outcome === "rejected"
        ? `Rejected ${by}: ${input.reason ?? ""}`
        : (input.reason ?? "The target changed after it was proposed: propose it again against the current settings.");
  await tx.notification.create({
    data: {
      userId: input.proposerId,
      workspaceId: input.workspaceId,
      kind: `changeRequest.${input.outcome}`,
      title: `${DECISION_TITLE[input.outcome]}: ${input.requestTitle}`,
      body: body.slice(0, MAX_BODY),
      changeRequestId: input.changeRequestId,
    },
  });
}

export const notificationQuerySchema = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(NOTIFICATION_PAGE_MAX).default(20),
});

/** The caller's own, in this workspace: never another user's, whatever their role. */
const mine = (ctx: WorkspaceContext) => ({ userId: ctx.user.id, workspaceId: ctx.workspace.id });

function view({ userId: _u, workspaceId: _w, ...rest }: Notification): NotificationView {
  return rest;
}

/** The caller's notifications in this workspace, newest first, with the count of unread ones. */
export async function listNotifications(ctx: WorkspaceContext, query: z.input<typeof notificationQuerySchema>) {
  const { cursor, limit } = parseInput(notificationQuerySchema, query);
  const [rows, unread] = await Promise.all([
    prisma.notification.findMany({
      where: { ...mine(ctx), ...(cursor ? cursorWhere(decodeCursor(cursor)) : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
    }),
    prisma.notification.count({ where: { ...mine(ctx), readAt: null } }),
  ]);
  const page = rows.slice(0, limit);
  return { notifications: page.map(view), unread, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}

export const markReadSchema = z.union([
  z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(NOTIFICATION_PAGE_MAX) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

/**
 * Marks the caller's notifications read (the given ids, or all). An id that is not one of the
 * caller's in this workspace (another user's, another workspace's, none) is a 404 and nothing is
 * marked: the answer does not tell another user's notification from one that does not exist.
 */
export async function markNotificationsRead(ctx: WorkspaceContext, input: z.input<typeof markReadSchema>): Promise<{ unread: number }> {
  const parsed = parseInput(markReadSchema, input);
  if ("ids" in parsed) {
    const ids = [...new Set(parsed.ids)];
    const owned = await prisma.notification.count({ where: { ...mine(ctx), id: { in: ids } } });
    if (owned !== ids.length) throw notFound("Notification");
  }
  await prisma.notification.updateMany({
    where: { ...mine(ctx), readAt: null, ...("ids" in parsed ? { id: { in: parsed.ids } } : {}) },
    data: { readAt: new Date() },
  });
  return { unread: await prisma.notification.count({ where: { ...mine(ctx), readAt: null } }) };
}

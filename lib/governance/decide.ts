// Deciding: owners and admins (approvals:decide), never on their own proposal (four eyes, even for
// someone promoted to admin while their request was pending). Admins apply their own changes
// directly, so this never blocks anyone; in a two-person organization the admin approves the
// member's requests. Once a request leaves `pending` its proposed secrets are erased.
//
//   approveChange   one transaction: claim the pending request, lock the target and compare its
//                   version, apply the action's entry of ACTIONS (the one an admin's own change
//                   runs, re-validated against the state of now), audit; then the entry's
//                   afterCommit. A changed or deleted target, or a change that no longer validates
//                   (e.g. the 5-per-type limit was reached meanwhile), marks the request `conflict`
//                   with the reason instead, and nothing is applied.
//   rejectChange    reason required.   withdrawChange   by the proposer only.
import "server-only";
import { z } from "zod";
import { ApiError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { lockWorkspace } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import { notifyDecision, type DecisionOutcome } from "@/lib/notifications";
import type { ChangeActor } from "@/lib/broadcast/schemas";
import type { ChangeRequest } from "@/lib/generated/prisma/client";
import { ACTIONS, completeAction, type GovernedAction } from "./actions";
import { actionOf, asJson, broadcastMarker, findRequest, notPending, restorePayload, type ChangeRequestView, type Tx } from "./requests";
import { getChangeRequest, views } from "./views";

/** The proposer's in-app notification of a decision, in the decision's transaction. */
const notifyProposer = (tx: Tx, ctx: WorkspaceContext, request: ChangeRequest, title: string, outcome: DecisionOutcome, reason?: string | null) =>
  notifyDecision(tx, {
    workspaceId: ctx.workspace.id,
    proposerId: request.proposerId,
    deciderId: ctx.user.id,
    deciderEmail: ctx.user.email,
    changeRequestId: request.id,
    requestTitle: title,
    outcome,
    reason,
  });

class ChangeConflict extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function assertMayDecide(ctx: WorkspaceContext, request: ChangeRequest) {
  if (request.proposerId === ctx.user.id) {
    throw new ApiError(403, "own_request", "You cannot decide on your own change request: another admin must review it (you may withdraw it)");
  }
}

/** Why the request can no longer be applied as proposed, or null. Locks the target until commit. */
async function conflictOf(tx: Tx, request: ChangeRequest): Promise<string | null> {
  const target = ACTIONS[actionOf(request.action)].target;
  if (target === "destination") {
    const rows = await tx.$queryRaw<{ version: number; deletedAt: Date | null }[]>`
      SELECT version, "deletedAt" FROM "Destination" WHERE id = ${request.targetId} AND "workspaceId" = ${request.workspaceId} FOR UPDATE`;
    const row = rows[0];
    if (!row || row.deletedAt) return "The destination was deleted after this request was made.";
    if (row.version !== request.baseVersion) return "The destination was changed after this request was made: propose the change again against its current settings.";
  } else if (target === "workspace") {
    await lockWorkspace(tx, request.workspaceId);
    const ws = await tx.workspace.findUniqueOrThrow({ where: { id: request.workspaceId }, select: { broadcastEnabled: true } });
    if (broadcastMarker(ws.broadcastEnabled) !== request.baseVersion) return "The broadcast switch was changed after this request was made.";
  }
  return null;
}

/** The request's title, for the audit events of its decision ("Update “Prod Langfuse”"). */
async function titleOf(ctx: WorkspaceContext, request: ChangeRequest): Promise<string> {
  return (await views(ctx, [request]))[0].title;
}

async function markConflict(ctx: WorkspaceContext, request: ChangeRequest, reason: string) {
  const title = await titleOf(ctx, request);
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.changeRequest.updateMany({
      where: { id: request.id, workspaceId: ctx.workspace.id, status: "pending" },
      data: { status: "conflict", reason, deciderId: ctx.user.id, decidedAt: new Date(), secrets: null },
    });
    if (count === 0) return;
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "changeRequest.conflict",
      targetType: "changeRequest",
      targetId: request.id,
      before: { status: "pending" },
      after: { title, status: "conflict", action: request.action, targetId: request.targetId, reason },
    });
    await notifyProposer(tx, ctx, request, title, "conflict", reason);
  });
}

/**
 * Applies a pending request in one transaction, or marks it `conflict` (409 change_conflict with
 * the reason) when its target changed, was deleted, or the change no longer validates.
 */
export async function approveChange(ctx: WorkspaceContext, id: string): Promise<ChangeRequestView> {
  const request = await findRequest(prisma, ctx, id);
  assertMayDecide(ctx, request);
  if (request.status !== "pending") throw notPending(request.status);
  const action = actionOf(request.action);
  const spec: GovernedAction = ACTIONS[action];
  const actor: ChangeActor = { workspaceId: ctx.workspace.id, user: ctx.user };
  const title = await titleOf(ctx, request);
  let committed: { payload: unknown; applied: unknown };
  try {
    committed = await prisma.$transaction(
      async (tx) => {
        // Claims the request: a concurrent decision or withdrawal makes this count 0.
        const { count } = await tx.changeRequest.updateMany({
          where: { id, workspaceId: ctx.workspace.id, status: "pending" },
          data: { status: "approved", deciderId: ctx.user.id, decidedAt: new Date(), secrets: null },
        });
        if (count === 0) throw notPending((await findRequest(tx, ctx, id)).status);
        const conflict = await conflictOf(tx, request);
        if (conflict) throw new ChangeConflict(conflict);
        let payload: unknown;
        let applied: unknown;
        try {
          payload = restorePayload(request);
          applied = await spec.apply(tx, actor, request.targetId, payload);
        } catch (e) {
          // Re-validation failed against today's state (limit reached, API key deleted…): a conflict.
          if (e instanceof ApiError && e.status < 500) throw new ChangeConflict(e.message);
          throw e;
        }
        const createdId = spec.target === null ? (applied as { destination: { id: string } }).destination.id : null;
        if (createdId) await tx.changeRequest.update({ where: { id }, data: { targetId: createdId } });
        await recordAudit(tx, {
          workspaceId: ctx.workspace.id,
          actor: ctx.user,
          action: "changeRequest.approve",
          targetType: "changeRequest",
          targetId: id,
          before: { status: "pending" },
          after: asJson({ title, status: "approved", action, targetId: createdId ?? request.targetId, diff: request.diff }),
        });
        await notifyProposer(tx, ctx, request, title, "approved");
        return { payload, applied };
      },
      { timeout: 60_000 },
    );
  } catch (e) {
    if (!(e instanceof ChangeConflict)) throw e;
    await markConflict(ctx, request, e.reason);
    throw new ApiError(409, "change_conflict", e.reason);
  }
  const view = await getChangeRequest(ctx, id);
  // The same after-commit work as an admin's own change (lib/governance/perform.ts); its result is the direct path's answer.
  await completeAction(spec, { actor, targetId: view.targetId, ...committed });
  return view;
}

export const rejectSchema = z.object({ reason: z.string().trim().min(1, "A reason is required").max(1000, "At most 1000 characters") }).strict();

/** Ends a pending request in `status` (rejected / withdrawn), with its audit event, atomically. */
async function closeRequest(ctx: WorkspaceContext, request: ChangeRequest, status: "rejected" | "withdrawn", reason: string | null) {
  const title = await titleOf(ctx, request);
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.changeRequest.updateMany({
      where: { id: request.id, workspaceId: ctx.workspace.id, status: "pending" },
      data: { status, reason, secrets: null, decidedAt: new Date(), deciderId: status === "rejected" ? ctx.user.id : null },
    });
    if (count === 0) throw notPending((await findRequest(tx, ctx, request.id)).status);
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: status === "rejected" ? "changeRequest.reject" : "changeRequest.withdraw",
      targetType: "changeRequest",
      targetId: request.id,
      before: { status: "pending" },
      after: { title, status, action: request.action, targetId: request.targetId, ...(reason ? { reason } : {}) },
    });
    if (status === "rejected") await notifyProposer(tx, ctx, request, title, "rejected", reason);
  });
}

export async function rejectChange(ctx: WorkspaceContext, id: string, input: z.input<typeof rejectSchema>): Promise<ChangeRequestView> {
  const { reason } = parseInput(rejectSchema, input);
  const request = await findRequest(prisma, ctx, id);
  assertMayDecide(ctx, request);
  if (request.status !== "pending") throw notPending(request.status);
  await closeRequest(ctx, request, "rejected", reason);
  return getChangeRequest(ctx, id);
}

export async function withdrawChange(ctx: WorkspaceContext, id: string): Promise<ChangeRequestView> {
  const request = await findRequest(prisma, ctx, id);
  if (request.proposerId !== ctx.user.id) throw new ApiError(403, "forbidden", "Only the person who proposed a change can withdraw it");
  if (request.status !== "pending") throw notPending(request.status);
  await closeRequest(ctx, request, "withdrawn", null);
  return getChangeRequest(ctx, id);
}

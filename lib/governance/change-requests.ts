// Change requests: in an organization, a member's broadcast change is saved for an admin to
// approve instead of being applied (architecture.md §4).
//
//   proposeChange   validates exactly like the direct path (the same applyX, run in a transaction
//                   that is rolled back), stores the payload with its secret values encrypted under
//                   the key ring (bound to the request's id), the diff, and the target's version.
//   approveChange   one transaction: claim the pending request, lock the target and compare its
//                   version, apply with the same applyX (re-validated against the state of now),
//                   audit. A changed or deleted target, or a change that no longer validates
//                   (e.g. the 5-per-type limit was reached meanwhile), marks the request `conflict`
//                   with the reason instead, and nothing is applied.
//   rejectChange    reason required.   withdrawChange   by the proposer only.
//
// Who decides: owners and admins (approvals:decide), never on their own proposal — four eyes,
// even for someone promoted to admin while their request was pending. Admins apply their own
// changes directly, so this never blocks anyone; in a two-person organization the admin approves
// the member's requests. Once a request leaves `pending` its proposed secrets are erased.
import "server-only";
import { NextResponse } from "next/server";
import { z } from "zod";
import { ApiError, notFound, parseInput } from "@/lib/errors";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { recordAudit } from "@/lib/audit";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { decryptJson, encryptJson } from "@/lib/crypto/keyring";
import { lockWorkspace } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import { notifyDecision, type DecisionOutcome } from "@/lib/notifications";
import { secretKeysOf } from "@/lib/destinations/define";
import { hasSecretValue, isMaskedValue } from "@/lib/outbound/masking";
import { getDefinition } from "@/lib/destinations/registry";
import type { ChangeActor } from "@/lib/broadcast/service";
import { openSecrets, type StoredSecrets } from "@/lib/broadcast/stored-config";
import type { ChangeRequest, ChangeRequestStatus, Prisma } from "@/lib/generated/prisma/client";
import { ACTIONS, type TargetKind } from "./actions";
import type { DiffEntry } from "./diff";
import { CHANGE_REQUEST_STATUSES, GOVERNED_ACTIONS, type GovernedActionName } from "./vocabulary";

type Tx = Prisma.TransactionClient;

export type Person = { id: string; email: string; name: string | null };

export type ChangeRequestView = {
  id: string;
  action: GovernedActionName;
  /** "Update “Prod Langfuse”". */
  title: string;
  targetType: TargetKind;
  targetId: string | null;
  targetName: string | null;
  /** The destination it names exists (not deleted): the request can link to it. */
  targetExists: boolean;
  status: ChangeRequestStatus;
  comment: string | null;
  /** Rejection reason, or why the request became a conflict. */
  reason: string | null;
  diff: DiffEntry[];
  proposer: Person;
  decider: Person | null;
  createdAt: Date;
  decidedAt: Date | null;
  /** Pending, but the target changed since the proposal: approving it would mark it conflict. */
  stale: boolean;
};

// ───────────── helpers ─────────────

const ROLLBACK = Symbol("preview rollback");

/**
 * What the change would do, by doing it in a transaction that is then rolled back: the proposal is
 * validated by the very code that will apply it (config schema, API keys of the workspace, the
 * per-type limit, the target's existence), and the diff is read from the result.
 */
async function previewChange(action: GovernedActionName, actor: ChangeActor, targetId: string | null, payload: unknown): Promise<DiffEntry[]> {
  const spec = ACTIONS[action];
  if (spec.previewReadsOnly) return spec.preview(prisma, actor, targetId, payload as never);
  let diff: DiffEntry[] = [];
  try {
    await prisma.$transaction(
      async (tx) => {
        diff = await spec.preview(tx, actor, targetId, payload as never);
        throw ROLLBACK;
      },
      { timeout: 60_000 },
    );
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return diff;
}

/** The version marker of the broadcast switch (the workspace has no version column). */
const broadcastMarker = (enabled: boolean) => (enabled ? 1 : 0);

/**
 * Splits the proposed config into what is stored in the clear and the secret values, which are
 * encrypted. A secret sent back masked (the value the UI shows) means "unchanged" and is dropped.
 * Custom headers are encrypted whole, their masks included: approving resolves them header by
 * header against the stored values, like a direct update (the version check keeps those unchanged).
 */
function separateSecrets(type: string, payload: Record<string, unknown>, stored: StoredSecrets) {
  const config = payload.config as Record<string, unknown> | undefined;
  const def = getDefinition(type);
  if (!config || !def) return { payload, secrets: {} };
  const plain: Record<string, unknown> = {};
  const secrets: StoredSecrets = {};
  const secretKeys = new Set(secretKeysOf(def));
  for (const [key, value] of Object.entries(config)) {
    const storedValue = stored[key];
    if (!secretKeys.has(key) || !hasSecretValue(value)) plain[key] = value;
    else if (!(typeof storedValue === "string" && isMaskedValue(value, storedValue))) secrets[key] = value;
  }
  return { payload: { ...payload, config: plain }, secrets };
}

const ownerOf = (id: string) => ({ kind: "changeRequest" as const, id });

/** The payload the proposer sent, secrets restored, parsed again as the action's input. */
function restorePayload(request: ChangeRequest): unknown {
  const spec = ACTIONS[request.action as GovernedActionName];
  const payload = { ...(request.payload as Record<string, unknown>) };
  if (request.secrets) {
    const secrets = decryptJson<StoredSecrets>(request.secrets, ownerOf(request.id));
    payload.config = { ...(payload.config as Record<string, unknown>), ...secrets };
  }
  return parseInput(spec.payload, payload);
}

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

function actionOf(value: string): GovernedActionName {
  if (!(GOVERNED_ACTIONS as readonly string[]).includes(value)) throw new Error(`unknown change request action "${value}"`);
  return value as GovernedActionName;
}

async function findRequest(db: Tx | typeof prisma, ctx: WorkspaceContext, id: string): Promise<ChangeRequest> {
  const row = await db.changeRequest.findFirst({ where: { id, workspaceId: ctx.workspace.id } });
  if (!row) throw notFound("Change request");
  return row;
}

const notPending = (status: ChangeRequestStatus) => new ApiError(409, "not_pending", `This change request is already ${status}`);

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

// ───────────── proposing ─────────────

export type Proposal = { action: GovernedActionName; targetId: string | null; payload: unknown };

/**
 * Saves a change as a pending request. A payload the direct path would refuse is refused here
 * the same way (400 naming the field, 404, 409 limit_reached); a change that would change
 * nothing is 409 no_change.
 */
export async function proposeChange(ctx: WorkspaceContext, action: GovernedActionName, targetId: string | null, rawPayload: unknown): Promise<ChangeRequestView> {
  const spec = ACTIONS[action];
  const payload = parseInput(spec.payload, rawPayload) as Record<string, unknown>;
  const actor: ChangeActor = { workspaceId: ctx.workspace.id, user: ctx.user };
  let baseVersion: number | null = null;
  let storedSecrets: StoredSecrets = {};
  let type: string | undefined = typeof payload.type === "string" ? payload.type : undefined;
  let targetName: string | null = null;
  if (spec.target === "destination") {
    const row = await prisma.destination.findFirst({ where: { id: targetId ?? "", workspaceId: ctx.workspace.id, deletedAt: null } });
    if (!row) throw notFound("Destination");
    baseVersion = row.version;
    type = row.type;
    targetName = row.name;
    if (payload.config) storedSecrets = openSecrets(row.id, row.secrets);
  } else if (spec.target === "workspace") {
    targetId = ctx.workspace.id;
    const ws = await prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } });
    baseVersion = broadcastMarker(ws.broadcastEnabled);
  } else targetId = null;

  const diff = await previewChange(action, actor, targetId, payload);
  if (diff.length === 0) throw new ApiError(409, "no_change", "This change would not change anything: the settings are already like that");
  const split = type ? separateSecrets(type, payload, storedSecrets) : { payload, secrets: {} };

  const id = await prisma.$transaction(async (tx) => {
    const created = await tx.changeRequest.create({
      data: { workspaceId: ctx.workspace.id, proposerId: ctx.user.id, action, targetId, payload: asJson(split.payload), baseVersion, diff: asJson(diff) },
    });
    // The ciphertext is bound to the request's id, which exists only now.
    if (Object.keys(split.secrets).length) {
      await tx.changeRequest.update({ where: { id: created.id }, data: { secrets: encryptJson(split.secrets, ownerOf(created.id)) } });
    }
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "changeRequest.propose",
      targetType: "changeRequest",
      targetId: created.id,
      after: asJson({ title: spec.title(targetName, payload as never), action, targetType: spec.target, targetId, diff }),
    });
    return created.id;
  });
  return getChangeRequest(ctx, id);
}

/**
 * The hook of every broadcast change route: owners, admins and personal workspaces run `direct`
 * (the route's normal response); a member of an organization gets 202 {changeRequest} and nothing
 * changes until an admin approves. `proposal` null = a read-only variant (a dry run): always direct.
 */
export async function governedChange(ctx: WorkspaceContext, proposal: Proposal | null, direct: () => Promise<Response>): Promise<Response> {
  if (!proposal || broadcastChangeMode(ctx.membership.role, ctx.workspace.kind) === "apply") return direct();
  const changeRequest = await proposeChange(ctx, proposal.action, proposal.targetId, proposal.payload);
  return NextResponse.json({ changeRequest }, { status: 202 });
}

// ───────────── deciding ─────────────

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
  const spec = ACTIONS[action];
  const actor: ChangeActor = { workspaceId: ctx.workspace.id, user: ctx.user };
  const title = await titleOf(ctx, request);
  let result: unknown;
  try {
    result = await prisma.$transaction(
      async (tx) => {
        // Claims the request: a concurrent decision or withdrawal makes this count 0.
        const { count } = await tx.changeRequest.updateMany({
          where: { id, workspaceId: ctx.workspace.id, status: "pending" },
          data: { status: "approved", deciderId: ctx.user.id, decidedAt: new Date(), secrets: null },
        });
        if (count === 0) throw notPending((await findRequest(tx, ctx, id)).status);
        const conflict = await conflictOf(tx, request);
        if (conflict) throw new ChangeConflict(conflict);
        let applied: unknown;
        try {
          applied = await spec.apply(tx, actor, request.targetId, restorePayload(request) as never);
        } catch (e) {
          // Re-validation failed against today's state (limit reached, API key deleted…): a conflict.
          if (e instanceof ApiError && e.status < 500) throw new ChangeConflict(e.message);
          throw e;
        }
        const createdId = spec.target === null ? (applied as { id?: string }).id ?? null : null;
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
        return applied;
      },
      { timeout: 60_000 },
    );
  } catch (e) {
    if (!(e instanceof ChangeConflict)) throw e;
    await markConflict(ctx, request, e.reason);
    throw new ApiError(409, "change_conflict", e.reason);
  }
  const view = await getChangeRequest(ctx, id);
  await spec.afterCommit?.({ workspaceId: ctx.workspace.id, targetId: view.targetId, result, actor, payload: restorePayload(request) as never });
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

export const commentSchema = z.object({ comment: z.string().trim().max(1000, "At most 1000 characters").nullable() }).strict();

/** The proposer's note for the reviewers, editable while the request is pending. */
export async function setComment(ctx: WorkspaceContext, id: string, input: z.input<typeof commentSchema>): Promise<ChangeRequestView> {
  const { comment } = parseInput(commentSchema, input);
  const request = await findRequest(prisma, ctx, id);
  if (request.proposerId !== ctx.user.id) throw new ApiError(403, "forbidden", "Only the person who proposed a change can comment on it");
  const { count } = await prisma.changeRequest.updateMany({ where: { id, workspaceId: ctx.workspace.id, status: "pending" }, data: { comment: comment || null } });
  if (count === 0) throw notPending(request.status);
  return getChangeRequest(ctx, id);
}

// ───────────── reading ─────────────

export const CHANGE_REQUEST_PAGE_MAX = 100;

export const listQuerySchema = z.object({
  status: z.enum(CHANGE_REQUEST_STATUSES).optional(),
  /** Only the caller's own requests. */
  mine: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  targetId: z.string().min(1).max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(CHANGE_REQUEST_PAGE_MAX).default(50),
});

async function views(ctx: WorkspaceContext, rows: ChangeRequest[]): Promise<ChangeRequestView[]> {
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

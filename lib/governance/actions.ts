// The broadcast changes a change request can carry, each declared once: the payload it accepts, what
// it does in one transaction (the applyX functions of lib/broadcast/changes.ts), what happens once
// that is committed (wake the delivery of what waits, run a requeue), its result, its dry run, how to
// preview it as a diff, and its title. An admin's own change and an approved request run the same
// entry (lib/governance/perform.ts, lib/governance/decide.ts), so an approval validates and applies
// exactly like a direct change; a route only names the action it performs (lib/api/governed.ts).
import "server-only";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { getDefinition } from "@/lib/destinations/registry";
import { applyCreateDestination, applyDeleteDestination, applyPauseDestination, applyReplay, applyRequeueDelivery, applyResumeDestination, applyRetryFailed, applySetBroadcast, applyUpdateDestination, assertDestinationExists, type RequeueResult } from "@/lib/broadcast/changes";
import { broadcastSchema, createDestinationSchema, replaySchema, updateDestinationSchema, type ChangeActor } from "@/lib/broadcast/schemas";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { assertReplayWithinLimit } from "@/lib/delivery/requeue";
import type { Destination, Prisma } from "@/lib/generated/prisma/client";
import type { GovernedActionName } from "./vocabulary";
import { broadcastDiff, replayDiff, requeueTraceDiff, retryDiff, type DiffEntry } from "./diff";
import { diffOfDestination } from "./snapshot";

type Tx = Prisma.TransactionClient;

/**
 * What a change request's target is: the workspace (broadcast switch), a destination, or nothing
 * yet: the action creates a destination, and its result names it ({ destination }).
 */
export type TargetKind = "workspace" | "destination" | null;

/** A governed change as a caller asks for it: the action, its target and its payload. */
export type GovernedChange<N extends GovernedActionName = GovernedActionName> = { action: N; targetId: string | null; payload: unknown };

/** What `afterCommit` is given: the change as it was applied, and what `apply` returned. */
type Committed<P, Applied> = { actor: ChangeActor; targetId: string | null; payload: P; applied: Applied };

type ActionSpec<P, Applied, Result> = {
  target: TargetKind;
  /** The payload, exactly as the direct route's body (minus dryRun, which is never proposed); parsed on every path. */
  payload: z.ZodType<P>;
  /** Performs the change inside the caller's transaction, with its own audit event. */
  apply(tx: Tx, actor: ChangeActor, targetId: string | null, payload: P): Promise<Applied>;
  /**
   * Once the transaction committed, on both paths: deliveries that the change lets through are
   * kicked. A requeue (retry failed, replay) is too large for one transaction: `apply` only checks
   * its target there, and this performs it in short statements (lib/delivery/requeue.ts). Returns
   * the action's result (what the route answers); without it, the result is what `apply` returned.
   */
  afterCommit?(committed: Committed<P, Applied>): Promise<Result>;
  /** What the change would do, counted without changing anything (the requeues' `dryRun: true`). */
  dryRun?(actor: ChangeActor, targetId: string | null, payload: P): Promise<Result>;
  /** What the change would do right now, as a diff; runs inside a transaction that is rolled back. */
  preview(tx: Tx, actor: ChangeActor, targetId: string | null, payload: P): Promise<DiffEntry[]>;
  /**
   * The preview only reads, in short statements of its own (a replay's dry run reads up to
   * MAX_REPLAY_TRACES traces): it gets the client, not a transaction that would hold the embedded
   * database's one connection throughout.
   */
  previewReadsOnly?: true;
  /** The request's title, e.g. `Update "Prod Langfuse"`. */
  title(targetName: string | null, payload: P): string;
};

/** An entry as the code that runs any of them sees it (each entry is typed by `declare`). */
export type GovernedAction = ActionSpec<unknown, unknown, unknown>;

/** Types an entry by its payload schema. */
const declare = <S extends z.ZodType, Applied, Result>(spec: ActionSpec<z.output<S>, Applied, Result> & { payload: S }): ActionSpec<z.output<S>, Applied, Result> => spec;

const noPayload = z.object({}).strict();
const replayPayload = replaySchema.pick({ since: true });
const requeueTracePayload = z.object({ deliveryId: z.string().min(1).max(400) }).strict();

const quoted = (name: string | null) => (name ? `“${name}”` : "a deleted destination");

async function destinationRow(tx: Tx, workspaceId: string, id: string): Promise<Destination | null> {
  return tx.destination.findFirst({ where: { id, workspaceId } });
}

/** Preview of a change to an existing destination: its row before, the change applied, its row after. */
function destinationChangePreview<P>(apply: (tx: Tx, actor: ChangeActor, destinationId: string, payload: P) => Promise<unknown>) {
  return async (tx: Tx, actor: ChangeActor, targetId: string | null, payload: P) => {
    const before = await destinationRow(tx, actor.workspaceId, targetId!);
    await apply(tx, actor, targetId!, payload);
    return diffOfDestination(tx, actor.workspaceId, before, await destinationRow(tx, actor.workspaceId, targetId!));
  };
}

/** Wakes the delivery of the target destination, then gives the result on. */
async function kickTarget<R>(targetId: string | null, result: R): Promise<R> {
  if (targetId) await kickDestinations([targetId]);
  return result;
}

/** A requeue performed after commit: the requeued deliveries are kicked. */
async function requeued(targetId: string | null, result: RequeueResult): Promise<RequeueResult> {
  return result.count > 0 ? kickTarget(targetId, result) : result;
}

// ───────────── the table ─────────────

const update = async (tx: Tx, actor: ChangeActor, destinationId: string, patch: z.output<typeof updateDestinationSchema>) => ({
  destination: await applyUpdateDestination(tx, actor, { destinationId, patch }),
});
const remove = (tx: Tx, actor: ChangeActor, destinationId: string) => applyDeleteDestination(tx, actor, { destinationId });
const pause = async (tx: Tx, actor: ChangeActor, destinationId: string) => ({ destination: await applyPauseDestination(tx, actor, { destinationId }) });
const resume = async (tx: Tx, actor: ChangeActor, destinationId: string) => ({ destination: await applyResumeDestination(tx, actor, { destinationId }) });

const retryFailed = (db: typeof prisma, actor: ChangeActor, destinationId: string, dryRun: boolean) => applyRetryFailed(db, actor, { destinationId, dryRun });
const replay = (actor: ChangeActor, destinationId: string, since: Date, dryRun: boolean) => applyReplay(prisma, actor, { destinationId, since, dryRun });
const requeueTrace = (db: Tx | typeof prisma, actor: ChangeActor, destinationId: string, deliveryId: string, dryRun: boolean) =>
  applyRequeueDelivery(db, actor, { destinationId, deliveryId, dryRun });

const DECLARED = {
  "broadcast.set": declare({
    target: "workspace",
    payload: broadcastSchema,
    apply: (tx, actor, _t, payload) => applySetBroadcast(tx, actor, payload),
    async afterCommit({ actor, applied }) {
      if (applied.enabled) {
        const ids = await prisma.destination.findMany({ where: { workspaceId: actor.workspaceId, deletedAt: null }, select: { id: true } });
        await kickDestinations(ids.map((d) => d.id));
      }
      return applied;
    },
    async preview(tx, actor, _t, payload) {
      const ws = await tx.workspace.findUniqueOrThrow({ where: { id: actor.workspaceId }, select: { broadcastEnabled: true } });
      return broadcastDiff(ws.broadcastEnabled, payload.enabled);
    },
    title: (_n, payload) => `Turn broadcast ${payload.enabled ? "on" : "off"}`,
  }),
  "destination.create": declare({
    target: null,
    payload: createDestinationSchema,
    apply: async (tx, actor, _t, payload) => ({ destination: await applyCreateDestination(tx, actor, payload) }),
    async preview(tx, actor, _t, payload) {
      const created = await applyCreateDestination(tx, actor, payload);
      return diffOfDestination(tx, actor.workspaceId, null, await destinationRow(tx, actor.workspaceId, created.id));
    },
    title: (_n, payload) => `Add ${getDefinition(payload.type)?.name ?? payload.type} destination ${quoted(payload.name)}`,
  }),
  "destination.update": declare({
    target: "destination",
    payload: updateDestinationSchema,
    apply: (tx, actor, targetId, payload) => update(tx, actor, targetId!, payload),
    // Enabled again or its config fixed: deliver what waits.
    afterCommit: ({ targetId, applied }) => kickTarget(targetId, applied),
    preview: destinationChangePreview(update),
    title: (name) => `Update ${quoted(name)}`,
  }),
  "destination.delete": declare({
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => remove(tx, actor, targetId!),
    preview: destinationChangePreview(remove),
    title: (name) => `Delete ${quoted(name)}`,
  }),
  "destination.pause": declare({
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => pause(tx, actor, targetId!),
    preview: destinationChangePreview(pause),
    title: (name) => `Pause ${quoted(name)}`,
  }),
  "destination.resume": declare({
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => resume(tx, actor, targetId!),
    afterCommit: ({ targetId, applied }) => kickTarget(targetId, applied),
    preview: destinationChangePreview(resume),
    title: (name) => `Resume ${quoted(name)}`,
  }),
  "destination.retry_failed": declare({
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => assertDestinationExists(tx, actor, targetId!),
    afterCommit: async ({ actor, targetId }) => requeued(targetId, await retryFailed(prisma, actor, targetId!, false)),
    dryRun: (actor, targetId) => retryFailed(prisma, actor, targetId!, true),
    previewReadsOnly: true,
    preview: async (_client, actor, targetId) => retryDiff((await retryFailed(prisma, actor, targetId!, true)).count),
    title: (name) => `Retry failed deliveries of ${quoted(name)}`,
  }),
  "destination.replay": declare({
    target: "destination",
    payload: replayPayload,
    // The checks that can refuse it run here, so a refusal marks an approved request a conflict.
    async apply(tx, actor, targetId, payload) {
      await assertDestinationExists(tx, actor, targetId!);
      await assertReplayWithinLimit(tx, actor.workspaceId, payload.since);
    },
    afterCommit: async ({ actor, targetId, payload }) => requeued(targetId, await replay(actor, targetId!, payload.since, false)),
    dryRun: (actor, targetId, payload) => replay(actor, targetId!, payload.since, true),
    previewReadsOnly: true,
    preview: async (_client, actor, targetId, payload) => replayDiff(payload.since, (await replay(actor, targetId!, payload.since, true)).count),
    title: (name) => `Replay traces to ${quoted(name)}`,
  }),
  "destination.requeue_trace": declare({
    target: "destination",
    payload: requeueTracePayload,
    // The dry run refuses (404, 409) a delivery that is not there or a trace that already waits, so a
    // request that can no longer be applied is marked a conflict here.
    apply: (tx, actor, targetId, payload) => requeueTrace(tx, actor, targetId!, payload.deliveryId, true),
    afterCommit: async ({ actor, targetId, payload }) => requeued(targetId, await requeueTrace(prisma, actor, targetId!, payload.deliveryId, false)),
    dryRun: (actor, targetId, payload) => requeueTrace(prisma, actor, targetId!, payload.deliveryId, true),
    previewReadsOnly: true,
    preview: async (_client, actor, targetId, payload) => requeueTraceDiff(payload.deliveryId, (await requeueTrace(prisma, actor, targetId!, payload.deliveryId, true)).count),
    title: (name, payload) => `Send delivery ${payload.deliveryId} again to ${quoted(name)}`,
  }),
} satisfies Record<GovernedActionName, GovernedAction>;

export const ACTIONS: Record<GovernedActionName, GovernedAction> = DECLARED;

/**
 * What an action answers when performed (and what its dry run answers): what its `afterCommit`
 * returns, else (an entry without one infers its result as unknown) what its `apply` returns.
 */
export type ResultOf<N extends GovernedActionName> = (typeof DECLARED)[N] extends ActionSpec<infer _P, infer Applied, infer Result> ? (unknown extends Result ? Applied : Result) : never;

/** After the transaction of `apply` committed: the entry's afterCommit, and the action's result. */
export async function completeAction(spec: GovernedAction, committed: Committed<unknown, unknown>): Promise<unknown> {
  return spec.afterCommit ? spec.afterCommit(committed) : committed.applied;
}

// The broadcast changes a change request can carry. Each one names the payload it accepts, the
// applyX function of lib/broadcast/changes.ts that performs it (the very function the direct
// path runs, so an approval validates and applies exactly like an admin's own change), how to
// preview it as a diff, and what to do once it is committed (wake the delivery of what waits).
import "server-only";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { getDefinition } from "@/lib/destinations/registry";
import { applyCreateDestination, applyDeleteDestination, applyPauseDestination, applyReplay, applyRequeueDelivery, applyResumeDestination, applyRetryFailed, applySetBroadcast, applyUpdateDestination, assertDestinationExists } from "@/lib/broadcast/changes";
import { broadcastSchema, createDestinationSchema, replaySchema, updateDestinationSchema, type ChangeActor } from "@/lib/broadcast/schemas";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { assertReplayWithinLimit } from "@/lib/delivery/requeue";
import type { Destination, Prisma } from "@/lib/generated/prisma/client";
import type { GovernedActionName } from "./vocabulary";
import { broadcastDiff, replayDiff, requeueTraceDiff, retryDiff, type DiffEntry } from "./diff";
import { diffOfDestination } from "./snapshot";

type Tx = Prisma.TransactionClient;

/** What a change request's target is: the workspace (broadcast switch), a destination, or nothing yet (create). */
export type TargetKind = "workspace" | "destination" | null;

type GovernedAction = {
  target: TargetKind;
  /** The proposal's payload, exactly as the direct route's body (minus dryRun, which is never proposed). */
  payload: z.ZodType;
  /** Performs the change inside the caller's transaction, with its own audit event. */
  apply(tx: Tx, actor: ChangeActor, targetId: string | null, payload: never): Promise<unknown>;
  /** What the change would do right now; runs inside a transaction that is rolled back. */
  preview(tx: Tx, actor: ChangeActor, targetId: string | null, payload: never): Promise<DiffEntry[]>;
  /**
   * The preview only reads, in short statements of its own (a replay's dry run reads up to
   * MAX_REPLAY_TRACES traces): it gets the client, not a transaction that would hold the embedded
   * database's one connection throughout.
   */
  previewReadsOnly?: true;
  /**
   * After commit: deliveries that the change lets through are kicked. A requeue (retry failed,
   * replay) is too large for the approval's transaction: `apply` only checks its target there, and
   * this performs it in short statements (lib/delivery/requeue.ts).
   */
  afterCommit?(committed: { workspaceId: string; targetId: string | null; result: unknown; actor: ChangeActor; payload: never }): Promise<void>;
  /** The request's title, e.g. `Update "Prod Langfuse"`. */
  title(targetName: string | null, payload: never): string;
};

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

const kickTarget = async ({ targetId }: { targetId: string | null }) => {
  if (targetId) await kickDestinations([targetId]);
};

// ───────────── the table ─────────────

type Payload<S extends z.ZodType> = z.output<S>;

const update = (tx: Tx, actor: ChangeActor, destinationId: string, patch: Payload<typeof updateDestinationSchema>) =>
  applyUpdateDestination(tx, actor, { destinationId, patch });
const remove = (tx: Tx, actor: ChangeActor, destinationId: string) => applyDeleteDestination(tx, actor, { destinationId });
const pause = (tx: Tx, actor: ChangeActor, destinationId: string) => applyPauseDestination(tx, actor, { destinationId });
const resume = (tx: Tx, actor: ChangeActor, destinationId: string) => applyResumeDestination(tx, actor, { destinationId });

export const ACTIONS: Record<GovernedActionName, GovernedAction> = {
  "broadcast.set": {
    target: "workspace",
    payload: broadcastSchema,
    apply: (tx, actor, _t, payload: Payload<typeof broadcastSchema>) => applySetBroadcast(tx, actor, payload),
    async preview(tx, actor, _t, payload: Payload<typeof broadcastSchema>) {
      const ws = await tx.workspace.findUniqueOrThrow({ where: { id: actor.workspaceId }, select: { broadcastEnabled: true } });
      return broadcastDiff(ws.broadcastEnabled, payload.enabled);
    },
    async afterCommit({ workspaceId, result }) {
      if (!(result as { enabled: boolean }).enabled) return;
      const ids = await prisma.destination.findMany({ where: { workspaceId, deletedAt: null }, select: { id: true } });
      await kickDestinations(ids.map((d) => d.id));
    },
    title: (_n, payload: Payload<typeof broadcastSchema>) => `Turn broadcast ${payload.enabled ? "on" : "off"}`,
  },
  "destination.create": {
    target: null,
    payload: createDestinationSchema,
    apply: (tx, actor, _t, payload: Payload<typeof createDestinationSchema>) => applyCreateDestination(tx, actor, payload),
    async preview(tx, actor, _t, payload: Payload<typeof createDestinationSchema>) {
      const created = await applyCreateDestination(tx, actor, payload);
      return diffOfDestination(tx, actor.workspaceId, null, await destinationRow(tx, actor.workspaceId, created.id));
    },
    title: (_n, payload: Payload<typeof createDestinationSchema>) =>
      `Add ${getDefinition(payload.type)?.name ?? payload.type} destination ${quoted(payload.name)}`,
  },
  "destination.update": {
    target: "destination",
    payload: updateDestinationSchema,
    apply: (tx, actor, targetId, payload: Payload<typeof updateDestinationSchema>) => update(tx, actor, targetId!, payload),
    preview: destinationChangePreview(update),
    afterCommit: kickTarget,
    title: (name) => `Update ${quoted(name)}`,
  },
  "destination.delete": {
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => remove(tx, actor, targetId!),
    preview: destinationChangePreview(remove),
    title: (name) => `Delete ${quoted(name)}`,
  },
  "destination.pause": {
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => pause(tx, actor, targetId!),
    preview: destinationChangePreview(pause),
    title: (name) => `Pause ${quoted(name)}`,
  },
  "destination.resume": {
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => resume(tx, actor, targetId!),
    preview: destinationChangePreview(resume),
    afterCommit: kickTarget,
    title: (name) => `Resume ${quoted(name)}`,
  },
  "destination.retry_failed": {
    target: "destination",
    payload: noPayload,
    apply: (tx, actor, targetId) => assertDestinationExists(tx, actor, targetId!),
    previewReadsOnly: true,
    async preview(_client, actor, targetId) {
      const { count } = await applyRetryFailed(prisma, actor, { destinationId: targetId!, dryRun: true });
      return retryDiff(count);
    },
    async afterCommit({ actor, targetId }) {
      await applyRetryFailed(prisma, actor, { destinationId: targetId!, dryRun: false });
      await kickTarget({ targetId });
    },
    title: (name) => `Retry failed deliveries of ${quoted(name)}`,
  },
  "destination.replay": {
    target: "destination",
    payload: replayPayload,
    // The checks that can refuse it run here, so a refusal marks the request a conflict.
    async apply(tx, actor, targetId, payload: Payload<typeof replayPayload>) {
      await assertDestinationExists(tx, actor, targetId!);
      await assertReplayWithinLimit(tx, actor.workspaceId, payload.since);
    },
    previewReadsOnly: true,
    async preview(_client, actor, targetId, payload: Payload<typeof replayPayload>) {
      const { count } = await applyReplay(prisma, actor, { destinationId: targetId!, since: payload.since, dryRun: true });
      return replayDiff(payload.since, count);
    },
    async afterCommit({ actor, targetId, payload }: { actor: ChangeActor; targetId: string | null; payload: Payload<typeof replayPayload> }) {
      await applyReplay(prisma, actor, { destinationId: targetId!, since: payload.since, dryRun: false });
      await kickTarget({ targetId });
    },
    title: (name) => `Replay traces to ${quoted(name)}`,
  },
  "destination.requeue_trace": {
    target: "destination",
    payload: requeueTracePayload,
    // The dry run refuses (409) a trace that already waits, so a request that can no longer be
    // applied is marked a conflict here.
    apply: (tx, actor, targetId, payload: Payload<typeof requeueTracePayload>) =>
      applyRequeueDelivery(tx, actor, { destinationId: targetId!, deliveryId: payload.deliveryId, dryRun: true }),
    previewReadsOnly: true,
    async preview(_client, actor, targetId, payload: Payload<typeof requeueTracePayload>) {
      const { count } = await applyRequeueDelivery(prisma, actor, { destinationId: targetId!, deliveryId: payload.deliveryId, dryRun: true });
      return requeueTraceDiff(payload.deliveryId, count);
    },
    async afterCommit({ actor, targetId, payload }: { actor: ChangeActor; targetId: string | null; payload: Payload<typeof requeueTracePayload> }) {
      await applyRequeueDelivery(prisma, actor, { destinationId: targetId!, deliveryId: payload.deliveryId, dryRun: false });
      await kickTarget({ targetId });
    },
    title: (name, payload: Payload<typeof requeueTracePayload>) => `Send delivery ${payload.deliveryId} again to ${quoted(name)}`,
  },
};

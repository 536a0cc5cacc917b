// "Retry failed" and "Replay since T": put deliveries back in the outbox. Both reset the row's
// retry window (createdAt = when it was queued again) so a requeued row gets the full window.
//
// Both run as a series of short statements of at most REQUEUE_CHUNK rows each, never one
// transaction: on the embedded database (one connection, lib/db-client.ts) a replay of
// MAX_REPLAY_TRACES rows in one transaction held ingestion for seconds. Each statement is atomic on
// its own and re-checks the row's state, so ingestion and drains interleave between chunks, and
// after each chunk the requeue waits as long as the chunk took (giveWay). A crash
// midway leaves the chunks done requeued and the rest as they were; running the same request again
// finishes it (rows already queued again are left alone; a row the first run requeued and that has
// been delivered since is sent once more: at least once, like every delivery).
import { setTimeout as sleep } from "node:timers/promises";
import type { Destination, Prisma } from "@/lib/generated/prisma/client";
import type { Db } from "@/lib/db-client";
import { ApiError } from "@/lib/errors";
import { createRouter } from "@/lib/routing/route";
import type { Trace } from "@/lib/traces/schema";

/** A replay larger than this must be split (narrow `since`). */
export const MAX_REPLAY_TRACES = 50_000;
/** Rows per statement of a requeue (exported for the test that counts rows per transaction). */
export const REQUEUE_CHUNK = 200;

/** How a requeue waits between chunks (tests record it). */
export type Pause = (ms: number) => Promise<unknown>;

/**
 * After a chunk, wait as long as it took: a requeue takes at most half of the database's time (on
 * the embedded database, of its one connection) and of the server's thread, and ingestion and the
 * drains keep the rest (back to back, a replay held ingestion's p99 at several times its usual
 * value for as long as it ran).
 */
async function giveWay(chunkStarted: number, pause: Pause): Promise<void> {
  await pause(Math.max(1, performance.now() - chunkStarted));
}

/** What a requeue may reset: settled rows. Rows queued or in flight are left alone. */
const SETTLED = ["delivered", "failed", "dropped"] as const;

function requeued(now: Date) {
  return {
    status: "pending" as const,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    claimToken: null,
    claimedUntil: null,
    lastStatus: null,
    lastError: null,
    latencyMs: null,
    deliveredAt: null,
  };
}

/** Failed deliveries of the destination back to pending (count only when dryRun). */
export async function requeueFailed(db: Db, destinationId: string, opts: { dryRun: boolean; pause?: Pause }): Promise<number> {
  const where = { destinationId, status: "failed" as const };
  if (opts.dryRun) return db.delivery.count({ where });
  const now = new Date();
  let count = 0;
  // By id, so every row is visited once even if some fail again while this runs.
  let after: string | undefined;
  for (;;) {
    const started = performance.now();
    const ids = (
      await db.delivery.findMany({ where: { ...where, ...(after ? { id: { gt: after } } : {}) }, select: { id: true }, orderBy: { id: "asc" }, take: REQUEUE_CHUNK })
    ).map((d) => d.id);
    if (ids.length === 0) return count;
    after = ids.at(-1);
    count += (await db.delivery.updateMany({ where: { id: { in: ids }, status: "failed" }, data: requeued(now) })).count;
    await giveWay(started, opts.pause ?? sleep);
  }
}

const replayedTraces = (workspaceId: string, since: Date) => ({ workspaceId, receivedAt: { gte: since }, isTest: false });

/** 400 when more than MAX_REPLAY_TRACES traces were received since `since` (counted no further than that). */
export async function assertReplayWithinLimit(db: Db, workspaceId: string, since: Date): Promise<void> {
  const total = await db.tracePayload.count({ where: replayedTraces(workspaceId, since), take: MAX_REPLAY_TRACES + 1 });
  if (total > MAX_REPLAY_TRACES) {
    throw new ApiError(400, "invalid_request", `More than ${MAX_REPLAY_TRACES} traces were received since then; replay at most ${MAX_REPLAY_TRACES} at a time`, [
      { path: "since", message: "Choose a later time" },
    ]);
  }
}

/** A trace as a replay reads it, in chunks through a database function (migration 20261207140100_replay_keyset). */
type ReplayedTrace = { id: string; data: Prisma.JsonValue; apiKeyId: string | null; receivedAt: Date; routes: Prisma.JsonValue | null; xid: bigint; seq: bigint };

/**
 * Re-sends the traces received from `since` until now to one destination, as its routing stands now
 * (API-key include/exclude, filter rules, sampling; privacy mode applies at delivery): routed
 * traces with a settled delivery (delivered, failed, dropped) are reset to pending, routed traces
 * without one get a new row (those the log delivered among them). Test traces, and traces already
 * queued (rows pending or in flight, log traces past the destination's cursor), are left alone.
 * A paused destination's replayed rows wait for it to be resumed.
 */
export async function replayCandidates(
  db: Db,
  destination: Destination,
  opts: { since: Date; dryRun: boolean; pause?: Pause },
): Promise<{ created: number; reset: number }> {
  await assertReplayWithinLimit(db, destination.workspaceId, opts.since);
  // Routing as if the destination were active: replay is an explicit request for this destination.
  const route = createRouter([{ ...destination, enabled: true, status: "active" }]);
  const now = new Date();
  let created = 0;
  let reset = 0;
  // (receivedAt, id) keyset; "" sorts before every id, so the first chunk starts at `since`.
  let cursor: { receivedAt: Date; id: string } = { receivedAt: opts.since, id: "" };
  for (;;) {
    const started = performance.now();
    const traces = await db.$queryRaw<ReplayedTrace[]>`
      SELECT id, data, "apiKeyId", "receivedAt", routes, xid, seq
        FROM tracecast_replay_chunk(${destination.workspaceId}, ${cursor.receivedAt.toISOString()}::timestamp(3), ${cursor.id}, ${REQUEUE_CHUNK}::integer)`;
    // Up to the traces received when the replay was asked for: those arriving while it runs are
    // being delivered already, and chasing them would never end under steady ingest.
    const asked = traces.filter((t) => t.receivedAt <= now);
    if (asked.length === 0) break;
    cursor = asked.at(-1)!;
    const existing = await db.delivery.findMany({
      where: { destinationId: destination.id, traceId: { in: asked.map((t) => t.id) } },
      select: { id: true, traceId: true, status: true },
    });
    const byTrace = new Map(existing.map((d) => [d.traceId, d]));
    // Routed to the destination in the log and not yet reached by its cursor: already queued.
    const logCursor = await db.deliveryCursor.findUnique({ where: { destinationId: destination.id }, select: { xid: true, seq: true } });
    const queuedInLog = (t: ReplayedTrace) =>
      logCursor !== null &&
      t.routes !== null &&
      typeof t.routes === "object" &&
      destination.id in t.routes &&
      (t.xid > logCursor.xid || (t.xid === logCursor.xid && t.seq > logCursor.seq));
    const toCreate: Prisma.DeliveryCreateManyInput[] = [];
    const toReset: string[] = [];
    for (const trace of asked) {
      const [decision] = route(trace.data as unknown as Trace, trace.apiKeyId);
      if (!decision) continue;
      const row = byTrace.get(trace.id);
      if (!row && queuedInLog(trace)) continue;
      if (!row) toCreate.push({ traceId: trace.id, destinationId: destination.id, workspaceId: destination.workspaceId, samplingRate: decision.samplingRate, ...requeued(now) });
      else if ((SETTLED as readonly string[]).includes(row.status)) toReset.push(row.id);
    }
    if (opts.dryRun) {
      created += toCreate.length;
      reset += toReset.length;
    } else {
      // Each statement re-checks what it found: a row that ingestion created or a drain claimed
      // meanwhile is left alone (and not counted).
      if (toCreate.length) created += (await db.delivery.createMany({ data: toCreate, skipDuplicates: true })).count;
      if (toReset.length) reset += (await db.delivery.updateMany({ where: { id: { in: toReset }, status: { in: [...SETTLED] } }, data: requeued(now) })).count;
    }
    if (asked.length < traces.length) break;
    await giveWay(started, opts.pause ?? sleep);
  }
  return { created, reset };
}

/**
 * One trace back into the destination's outbox: "Retry" on a failed delivery, "Replay this trace"
 * on a delivered (or failed, dropped) one. A settled exception row is reset to pending; a trace the
 * log delivered gets a new row, at the sampling rate it was routed with. Unlike replayCandidates
 * it does not route the trace again: the user named it. Returns 1 when it was requeued (or would
 * be, with dryRun), 0 when it is already waiting (a row pending or in flight, a log trace ahead of
 * the cursor) or was never routed to the destination. One statement: nothing to chunk.
 */
export async function requeueTrace(db: Db, destination: Pick<Destination, "id" | "workspaceId">, traceId: string, opts: { dryRun: boolean }): Promise<number> {
  const now = new Date();
  const row = await db.delivery.findFirst({ where: { traceId, destinationId: destination.id, workspaceId: destination.workspaceId }, select: { id: true, status: true } });
  if (row) {
    if (!(SETTLED as readonly string[]).includes(row.status)) return 0;
    if (opts.dryRun) return 1;
    return (await db.delivery.updateMany({ where: { id: row.id, status: { in: [...SETTLED] } }, data: requeued(now) })).count;
  }
  const trace = await db.tracePayload.findFirst({ where: { id: traceId, workspaceId: destination.workspaceId }, select: { routes: true, xid: true, seq: true } });
  const routes = trace?.routes;
  const rate = routes && typeof routes === "object" && !Array.isArray(routes) ? routes[destination.id] : undefined;
  if (!trace || typeof rate !== "number") return 0;
  const cursor = await db.deliveryCursor.findUnique({ where: { destinationId: destination.id }, select: { xid: true, seq: true } });
  const delivered = cursor !== null && (trace.xid < cursor.xid || (trace.xid === cursor.xid && trace.seq <= cursor.seq));
  if (!delivered) return 0;
  if (opts.dryRun) return 1;
  const data = { traceId, destinationId: destination.id, workspaceId: destination.workspaceId, samplingRate: rate, ...requeued(now) };
  return (await db.delivery.createMany({ data: [data], skipDuplicates: true })).count;
}

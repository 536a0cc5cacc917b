// Retention: traces older than TRACECAST_RETENTION_DAYS are deleted with their delivery rows
// (ON DELETE CASCADE), in bounded chunks so one sweep never holds long locks or a huge transaction,
// and so are the DeliveryAttempt rows; ingest Idempotency-Keys once they are a day old. A trace a
// paused destination's cursor has not reached yet is deleted all the same: the drain skips it.
// Health counters go once no health window reaches them.
import { prisma } from "@/lib/db";
import { deliverySettings } from "./settings";
import { HEALTH_WINDOWS } from "./stats";

type ChunkOptions = { chunkSize?: number; maxChunks?: number };

/** Runs `deleteChunk(cutoff, chunkSize)` until a chunk comes back short (or maxChunks); returns the rows deleted. */
async function deleteInChunks(now: Date, opts: ChunkOptions, deleteChunk: (cutoff: Date, chunkSize: number) => Promise<number>): Promise<number> {
  const chunkSize = opts.chunkSize ?? 500;
  const maxChunks = opts.maxChunks ?? 100;
  const cutoff = new Date(now.getTime() - deliverySettings.retentionMs());
  let deleted = 0;
  for (let i = 0; i < maxChunks; i++) {
    const count = await deleteChunk(cutoff, chunkSize);
    deleted += count;
    if (count < chunkSize) break;
  }
  return deleted;
}

export async function deleteExpiredTraces(now = new Date(), opts: ChunkOptions = {}): Promise<number> {
  return deleteInChunks(
    now,
    opts,
    (cutoff, chunkSize) => prisma.$executeRaw`
      DELETE FROM "TracePayload"
       WHERE id IN (SELECT id FROM "TracePayload" WHERE "receivedAt" < ${cutoff} ORDER BY "receivedAt" LIMIT ${chunkSize})`,
  );
}

/** Deletes DeliveryAttempt rows older than the retention period, in chunks like the traces. */
export async function deleteExpiredAttempts(now = new Date(), opts: ChunkOptions = {}): Promise<number> {
  return deleteInChunks(
    now,
    opts,
    (cutoff, chunkSize) => prisma.$executeRaw`
      DELETE FROM "DeliveryAttempt" WHERE id IN (SELECT id FROM "DeliveryAttempt" WHERE at < ${cutoff} ORDER BY at LIMIT ${chunkSize})`,
  );
}

/**
 * Deletes the health counters (counters.ts) older than any health window reads (its buckets, the
 * one before, and the partial one holding now), in one statement: a row per destination and hour.
 */
export async function deleteExpiredCounters(now = new Date()): Promise<number> {
  const longest = Math.max(...Object.values(HEALTH_WINDOWS).map((w) => w.span + 2 * w.bucket));
  return prisma.deliveryStat.deleteMany({ where: { hour: { lt: new Date(now.getTime() - longest) } } }).then((r) => r.count);
}

/**
 * How long an Idempotency-Key (lib/ingest/idempotency.ts) is remembered at least. Here, with its
 * deletion, rather than there: the ingest module imports the dispatcher, which imports this file.
 */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Deletes Idempotency-Keys older than IDEMPOTENCY_KEY_RETENTION_MS (one statement: a key row is small). */
export async function deleteExpiredIdempotencyKeys(now = new Date()): Promise<number> {
  return prisma.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_KEY_RETENTION_MS) } } }).then((r) => r.count);
}

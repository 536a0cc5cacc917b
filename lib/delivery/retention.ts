// Retention: traces older than TRACECAST_RETENTION_DAYS are deleted with their delivery rows
// (ON DELETE CASCADE), in bounded chunks so one sweep never holds long locks or a huge transaction;
// ingest Idempotency-Keys once they are a day old.
import { prisma } from "@/lib/db";
import { IDEMPOTENCY_KEY_RETENTION_MS } from "@/lib/ingest/idempotency";
import { deliverySettings } from "./settings";

export async function deleteExpiredTraces(now = new Date(), opts: { chunkSize?: number; maxChunks?: number } = {}): Promise<number> {
  const chunkSize = opts.chunkSize ?? 500;
  const maxChunks = opts.maxChunks ?? 100;
  const cutoff = new Date(now.getTime() - deliverySettings.retentionMs());
  let deleted = 0;
  for (let i = 0; i < maxChunks; i++) {
    const count = await prisma.$executeRaw`
      DELETE FROM "TracePayload"
       WHERE id IN (SELECT id FROM "TracePayload" WHERE "receivedAt" < ${cutoff} ORDER BY "receivedAt" LIMIT ${chunkSize})`;
    deleted += count;
    if (count < chunkSize) break;
  }
  return deleted;
}

/** Deletes Idempotency-Keys older than IDEMPOTENCY_KEY_RETENTION_MS (one statement: a key row is small). */
export async function deleteExpiredIdempotencyKeys(now = new Date()): Promise<number> {
  return prisma.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_KEY_RETENTION_MS) } } }).then((r) => r.count);
}

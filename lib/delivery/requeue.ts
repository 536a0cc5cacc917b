// "Retry failed" and "Replay since T": put deliveries back in the outbox. Both reset the row's
// retry window (createdAt = when it was queued again) so a requeued row gets the full window.
import type { Destination, Prisma } from "@/lib/generated/prisma/client";
import { ApiError } from "@/lib/api/errors";
import { createRouter } from "@/lib/routing/route";
import type { Trace } from "@/lib/traces/schema";

type Tx = Prisma.TransactionClient;

/** A replay larger than this must be split (narrow `since`): it runs in one transaction. */
export const MAX_REPLAY_TRACES = 50_000;
const CHUNK = 500;

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
export async function requeueFailed(tx: Tx, destinationId: string, opts: { dryRun: boolean }): Promise<number> {
  const where = { destinationId, status: "failed" as const };
  if (opts.dryRun) return tx.delivery.count({ where });
  return (await tx.delivery.updateMany({ where, data: requeued(new Date()) })).count;
}

/**
 * Re-sends the traces received since `since` to one destination, as its routing stands now
 * (API-key include/exclude, filter rules, sampling; privacy mode applies at delivery): routed
 * traces with a settled delivery (delivered, failed, dropped) are reset to pending, routed traces
 * without one get a new row. Test traces, and rows already queued or in flight, are left alone.
 * A paused destination's replayed rows wait for it to be resumed.
 */
export async function replayCandidates(
  tx: Tx,
  destination: Destination,
  opts: { since: Date; dryRun: boolean },
): Promise<{ created: number; reset: number }> {
  const where = { workspaceId: destination.workspaceId, receivedAt: { gte: opts.since }, isTest: false };
  const total = await tx.tracePayload.count({ where });
  if (total > MAX_REPLAY_TRACES) {
    throw new ApiError(400, "invalid_request", `${total} traces were received since then; replay at most ${MAX_REPLAY_TRACES} at a time`, [
      { path: "since", message: "Choose a later time" },
    ]);
  }
  // Routing as if the destination were active: replay is an explicit request for this destination.
  const route = createRouter([{ ...destination, enabled: true, status: "active" }]);
  const now = new Date();
  let created = 0;
  let reset = 0;
  let cursor: { receivedAt: Date; id: string } | undefined;
  for (;;) {
    const traces = await tx.tracePayload.findMany({
      where: cursor
        ? { ...where, OR: [{ receivedAt: { gt: cursor.receivedAt } }, { receivedAt: cursor.receivedAt, id: { gt: cursor.id } }] }
        : where,
      select: { id: true, data: true, apiKeyId: true, receivedAt: true },
      orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
      take: CHUNK,
    });
    if (traces.length === 0) break;
    cursor = traces.at(-1)!;
    const existing = await tx.delivery.findMany({
      where: { destinationId: destination.id, traceId: { in: traces.map((t) => t.id) } },
      select: { id: true, traceId: true, status: true },
    });
    const byTrace = new Map(existing.map((d) => [d.traceId, d]));
    const toCreate: Prisma.DeliveryCreateManyInput[] = [];
    const toReset: string[] = [];
    for (const trace of traces) {
      const [decision] = route(trace.data as unknown as Trace, trace.apiKeyId);
      if (!decision) continue;
      const row = byTrace.get(trace.id);
      if (!row) toCreate.push({ traceId: trace.id, destinationId: destination.id, workspaceId: destination.workspaceId, samplingRate: decision.samplingRate, ...requeued(now) });
      else if (row.status === "delivered" || row.status === "failed" || row.status === "dropped") toReset.push(row.id);
    }
    created += toCreate.length;
    reset += toReset.length;
    if (!opts.dryRun) {
      if (toCreate.length) await tx.delivery.createMany({ data: toCreate });
      if (toReset.length) await tx.delivery.updateMany({ where: { id: { in: toReset } }, data: requeued(now) });
    }
  }
  return { created, reset };
}

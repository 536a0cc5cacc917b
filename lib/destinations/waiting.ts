// What waits in the outbox for each destination of a workspace, for the destinations list's state
// (retrying with a backlog, and how old its oldest row is). The delivery engine's own health reads
// (lib/delivery/stats.ts) give this per destination only; the list needs it for all of them at once.
import { prisma } from "@/lib/db";

export type Waiting = {
  /** Deliveries pending or in flight. */
  waiting: number;
  /** Of those, the ones that have failed at least once and wait for another attempt. */
  retrying: number;
  /** When the oldest of them was queued (a retry failed or replay queues a row again). */
  oldestQueuedAt: Date | null;
};

const NOTHING_WAITING: Waiting = { waiting: 0, retrying: 0, oldestQueuedAt: null };

/** Per destination id; every id gets an entry. Scoped to the workspace like every read. */
export async function waitingDeliveries(workspaceId: string, destinationIds: string[]): Promise<Map<string, Waiting>> {
  const rows = destinationIds.length
    ? await prisma.$queryRaw<{ destinationId: string; waiting: number; retrying: number; oldest: Date | null }[]>`
        SELECT "destinationId",
               count(*)::int AS waiting,
               (count(*) FILTER (WHERE attempts > 0))::int AS retrying,
               min("createdAt") AS oldest
          FROM "Delivery"
         WHERE "workspaceId" = ${workspaceId} AND "destinationId" = ANY(${destinationIds}) AND status IN ('pending', 'in_flight')
         GROUP BY 1`
    : [];
  const byId = new Map(rows.map((r) => [r.destinationId, { waiting: r.waiting, retrying: r.retrying, oldestQueuedAt: r.oldest }]));
  return new Map(destinationIds.map((id) => [id, byId.get(id) ?? NOTHING_WAITING]));
}

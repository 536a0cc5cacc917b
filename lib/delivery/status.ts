// The status of a trace at a destination, now that first deliveries live in the log (log.ts):
// - an exception row (Delivery) for the pair: its status;
// - else a trace routed to the destination: delivered once the destination's cursor is at or past
//   it, pending before;
// - else: not routed there.
// DESTINATION_TRACES_SQL is that rule as one relation, used by the views (stats.ts) and the tests.
import { Prisma } from "@/lib/generated/prisma/client";
import { prisma } from "@/lib/db";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";

/**
 * Every trace of the destination as (traceId, status, queuedAt): the exception rows, and the log's
 * traces routed to it that have none. `logWhere` narrows the log's traces (alias t; e.g. a time
 * window on t."receivedAt"), `rowWhere` the exception rows (alias d): the caller's filters go inside,
 * where the indexes serve them.
 */
export function destinationTraces(destination: { id: string; workspaceId: string }, filters: { logWhere?: Prisma.Sql; rowWhere?: Prisma.Sql } = {}): Prisma.Sql {
  const logWhere = filters.logWhere ?? Prisma.empty;
  const rowWhere = filters.rowWhere ?? Prisma.empty;
  return Prisma.sql`
    SELECT d."traceId", d.status::text AS status, d."createdAt" AS "queuedAt"
      FROM "Delivery" d
     WHERE d."workspaceId" = ${destination.workspaceId} AND d."destinationId" = ${destination.id} ${rowWhere}
    UNION ALL
    SELECT t.id, CASE WHEN (t.xid, t.seq) <= (c.xid, c.seq) THEN 'delivered' ELSE 'pending' END, t."receivedAt"
      FROM "TracePayload" t, (SELECT xid, seq FROM "DeliveryCursor" WHERE "destinationId" = ${destination.id}) c
     WHERE t."workspaceId" = ${destination.workspaceId} AND t.routes ? ${destination.id} ${logWhere}
       AND NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = t.id AND e."destinationId" = ${destination.id})`;
}

/** The status of each trace at the destination (traces not routed there are absent), oldest first. */
export async function traceStatuses(destinationId: string): Promise<{ traceId: string; status: DeliveryStatus }[]> {
  const destination = await prisma.destination.findUniqueOrThrow({ where: { id: destinationId }, select: { id: true, workspaceId: true } });
  return prisma.$queryRaw<{ traceId: string; status: DeliveryStatus }[]>`
    SELECT s."traceId", s.status FROM (${destinationTraces(destination)}) s ORDER BY s."queuedAt", s."traceId"`;
}

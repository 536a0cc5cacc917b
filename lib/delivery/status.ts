// The status of a trace at a destination, now that first deliveries live in the log (log.ts):
// - an exception row (Delivery) for the pair: its status;
// - else a trace routed to the destination: delivered once the destination's cursor is at or past
//   it, pending before;
// - else: not routed there.
// destinationTraces is that rule as one relation, used by the views (stats.ts) and the tests.
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";

/** SQL: the status of log trace `t` at the destination whose cursor is `c` (no exception row assumed). */
export const LOG_STATUS_SQL = Prisma.sql`CASE WHEN (t.xid, t.seq) <= (c.xid, c.seq) THEN 'delivered' ELSE 'pending' END`;

/**
 * SQL: trace `t` has no exception row at destination `destinationIdSql`. A lookup of the (traceId,
 * destinationId) unique index only: `|| ''` keeps destinationId out of the index conditions, so a
 * plan made while the destination had no exception rows cannot scan its rows by a destinationId
 * index for each trace (migration exception_probe: after a replay, 45 million rows per count).
 */
export function noExceptionRow(destinationIdSql: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = t.id AND e."destinationId" || '' = ${destinationIdSql})`;
}

/**
 * SQL: the first `limit` log traces waiting for a destination (routed to it, past its cursor or
 * past `after`, without an exception row), in log order, as a relation (xid, seq, "receivedAt"),
 * for the destination and workspace the fragments name (values, or an outer row's columns).
 * The database function tracecast_waiting_log (migration waiting_plan) keeps the plan an index
 * range from the cursor whatever the planner's statistics say.
 */
export function waitingInLog(workspaceIdSql: Prisma.Sql, destinationIdSql: Prisma.Sql, limit: number, after?: { xid: bigint; seq: bigint }): Prisma.Sql {
  return Prisma.sql`tracecast_waiting_log(${workspaceIdSql}, ${destinationIdSql}, ${after?.xid ?? null}::bigint, ${after?.seq ?? null}::bigint, ${limit}::int)`;
}

/**
 * Every trace of the destinations as ("destinationId", "traceId", status, "queuedAt"): their
 * exception rows, and the log's traces routed to them that have none. `logWhere` narrows the log's
 * traces (alias t, e.g. a window on t."receivedAt"), `rowWhere` the exception rows (alias d): the
 * caller's filters go inside, where the indexes serve them.
 */
export function destinationTraces(workspaceId: string, destinationIds: string[], filters: { logWhere?: Prisma.Sql; rowWhere?: Prisma.Sql } = {}): Prisma.Sql {
  return Prisma.sql`
    SELECT d."destinationId", d."traceId", d.status::text AS status, d."createdAt" AS "queuedAt"
      FROM "Delivery" d
     WHERE d."workspaceId" = ${workspaceId} AND d."destinationId" = ANY(${destinationIds}) ${filters.rowWhere ?? Prisma.empty}
    UNION ALL
    SELECT c."destinationId", t.id, ${LOG_STATUS_SQL}, t."receivedAt"
      FROM "DeliveryCursor" c JOIN "TracePayload" t ON t."workspaceId" = ${workspaceId} AND t.routes ? c."destinationId"
     WHERE c."destinationId" = ANY(${destinationIds}) ${filters.logWhere ?? Prisma.empty}
       AND ${noExceptionRow(Prisma.sql`c."destinationId"`)}`;
}

/** The status of each trace at the destination (traces not routed there are absent), oldest first. */
export async function traceStatuses(destinationId: string): Promise<{ traceId: string; status: DeliveryStatus }[]> {
  const { workspaceId } = await prisma.destination.findUniqueOrThrow({ where: { id: destinationId }, select: { workspaceId: true } });
  return prisma.$queryRaw<{ traceId: string; status: DeliveryStatus }[]>`
    SELECT s."traceId", s.status FROM (${destinationTraces(workspaceId, [destinationId])}) s ORDER BY s."queuedAt", s."traceId"`;
}

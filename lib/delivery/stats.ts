// Read side of the delivery ledger: the delivery log, per-destination health, and the summary
// (status, 24 h success rate, hourly sparkline) shown in the destinations list. Callers pass ids
// already scoped to the workspace; every query also filters on workspaceId. A trace's status at a
// destination comes from its exception row, else from the destination's cursor in the log
// (status.ts); when a log trace was delivered, from the DeliveryAttempt whose range covered it.
import { z } from "zod";
import { decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { LIMITS } from "@/lib/traces/schema";
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";
import { destinationTraces, LOG_STATUS_SQL, noExceptionRow } from "./status";

const HOUR = 3_600_000;

export const HEALTH_WINDOWS = {
  "24h": { span: 24 * HOUR, bucket: HOUR },
  "7d": { span: 7 * 24 * HOUR, bucket: 6 * HOUR },
} as const;
export type HealthWindow = keyof typeof HEALTH_WINDOWS;

export type Bucket = { start: Date; delivered: number; failed: number; pending: number };

type BucketRow = { destinationId: string; bucket: number; delivered: number; failed: number; pending: number };

/** The window's buckets: `count` of `bucket` ms from `start` (epoch ms) up to the bucket holding `now`. */
function bucketRange(window: HealthWindow, now: Date) {
  const { span, bucket } = HEALTH_WINDOWS[window];
  // Aligned to bucket boundaries so successive reads show stable bars.
  const end = Math.ceil(now.getTime() / bucket) * bucket;
  return { start: end - span, bucket, count: span / bucket };
}

// Epoch arithmetic in float8 (date_part), not extract()'s numeric: several times cheaper per row.

/** Counts per time bucket of deliveries queued in the window, for each destination. */
async function bucketsFor(workspaceId: string, destinationIds: string[], window: HealthWindow, now: Date): Promise<Map<string, Bucket[]>> {
  const { start, bucket, count } = bucketRange(window, now);
  const rows = destinationIds.length
    ? await prisma.$queryRaw<BucketRow[]>`
        SELECT "destinationId",
               floor((date_part('epoch', "queuedAt") * 1000 - ${start}::float8) / ${bucket}::float8)::int AS bucket,
               (count(*) FILTER (WHERE status = 'delivered'))::int AS delivered,
               (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
               (count(*) FILTER (WHERE status IN ('pending', 'in_flight')))::int AS pending
          FROM (${destinationTraces(workspaceId, destinationIds, {
            rowWhere: Prisma.sql`AND d."createdAt" >= ${new Date(start)}`,
            logWhere: Prisma.sql`AND t."receivedAt" >= ${new Date(start)}`,
          })}) queued
         GROUP BY 1, 2`
    : [];
  const result = new Map<string, Bucket[]>();
  for (const id of destinationIds) {
    result.set(
      id,
      Array.from({ length: count }, (_, i) => ({ start: new Date(start + i * bucket), delivered: 0, failed: 0, pending: 0 })),
    );
  }
  for (const row of rows) {
    const target = result.get(row.destinationId)?.[row.bucket];
    if (target) Object.assign(target, { delivered: row.delivered, failed: row.failed, pending: row.pending });
  }
  return result;
}

const successRate = (delivered: number, failed: number) => (delivered + failed === 0 ? null : delivered / (delivered + failed));

export type HealthSummary = {
  /** Share of settled deliveries (delivered or failed) of the last 24 h that were delivered; null without any. */
  successRate24h: number | null;
  delivered24h: number;
  failed24h: number;
  /** Hourly buckets of the last 24 h, oldest first (the sparkline). */
  buckets: Bucket[];
};

/** The list's health column for each destination. */
export async function healthSummaries(workspaceId: string, destinationIds: string[], now = new Date()): Promise<Map<string, HealthSummary>> {
  const buckets = await bucketsFor(workspaceId, destinationIds, "24h", now);
  const summaries = new Map<string, HealthSummary>();
  for (const id of destinationIds) {
    const b = buckets.get(id)!;
    const delivered = b.reduce((n, x) => n + x.delivered, 0);
    const failed = b.reduce((n, x) => n + x.failed, 0);
    summaries.set(id, { successRate24h: successRate(delivered, failed), delivered24h: delivered, failed24h: failed, buckets: b });
  }
  return summaries;
}

/** Trace queued (received, or requeued) → delivered, in milliseconds (null: nothing was delivered). */
export type Latency = { p50: number | null; p95: number | null };

export type HealthBucket = Bucket & {
  /** Over the deliveries completed in this bucket (by when they were delivered, like `latencyMs`). */
  latencyMs: Latency;
  /** Deliveries waiting at the bucket's end: queued by then and not yet delivered, failed or dropped. */
  backlog: number;
};

export type DestinationHealth = {
  window: HealthWindow;
  successRate: number | null;
  delivered: number;
  failed: number;
  /** Over deliveries completed in the window. */
  latencyMs: Latency;
  /** Deliveries waiting (pending or in flight), of which `retrying` have failed at least once. */
  backlog: number;
  retrying: number;
  oldestPendingAgeMs: number | null;
  lastError: { message: string; at: Date | null } | null;
  buckets: HealthBucket[];
};

type LatencyRow = { bucket: number | null; overall: boolean; p50: number | null; p95: number | null };

/**
 * SQL: the log traces the destination's successful requests delivered since `since` (alias t), with
 * the request (alias a): each request's range of the log read through (workspaceId, xid, seq), so
 * every trace is read once. Traces that became exception rows are theirs to count.
 */
function deliveredFromLog(workspaceId: string, destinationId: string, since: Date): Prisma.Sql {
  return Prisma.sql`
    FROM "DeliveryAttempt" a
    JOIN "TracePayload" t ON t."workspaceId" = a."workspaceId" AND t.routes ? a."destinationId"
                         AND (t.xid, t.seq) >= (a."fromXid", a."fromSeq") AND (t.xid, t.seq) <= (a."toXid", a."toSeq")
   WHERE a."workspaceId" = ${workspaceId} AND a."destinationId" = ${destinationId} AND a.ok AND a."toXid" IS NOT NULL AND a.at >= ${since}
     AND ${noExceptionRow(Prisma.sql`${destinationId}`)}`;
}

/**
 * p50/p95 of trace queued → delivered over the deliveries completed since `since`, and per bucket
 * of the window (by when delivered) in the same scan. A delivery completed between `since` and the
 * first aligned bucket counts in the window's figure only. An exception row counts from when it was
 * queued (a replay or a retry of failed rows queues it again), a log trace from when it was received.
 */
async function deliveryLatencies(workspaceId: string, destinationId: string, window: HealthWindow, since: Date, now: Date) {
  const { start, bucket } = bucketRange(window, now);
  const bucketOf = (at: Prisma.Sql) => Prisma.sql`floor((date_part('epoch', ${at}) * 1000 - ${start}::float8) / ${bucket}::float8)::int`;
  const rows = await prisma.$queryRaw<LatencyRow[]>`
    SELECT bucket,
           GROUPING(bucket) = 1 AS overall,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)::float8 AS p95
      FROM (SELECT ${bucketOf(Prisma.sql`d."deliveredAt"`)} AS bucket, date_part('epoch', d."deliveredAt" - d."createdAt") * 1000 AS latency
              FROM "Delivery" d
             WHERE d."workspaceId" = ${workspaceId} AND d."destinationId" = ${destinationId}
               AND d.status = 'delivered' AND d."deliveredAt" >= ${since}
            UNION ALL
            SELECT ${bucketOf(Prisma.sql`a.at`)}, date_part('epoch', a.at - t."receivedAt") * 1000
            ${deliveredFromLog(workspaceId, destinationId, since)}) AS completed
     GROUP BY GROUPING SETS ((bucket), ())`;
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v));
  const latency = (row: LatencyRow | undefined): Latency => ({ p50: round(row?.p50 ?? null), p95: round(row?.p95 ?? null) });
  return {
    window: latency(rows.find((r) => r.overall)),
    byBucket: (index: number) => latency(rows.find((r) => !r.overall && r.bucket === index)),
  };
}

/** SQL: the log traces routed to the destinations that their cursors have not reached (aliases t, and c for the cursor). */
function pendingInLog(workspaceId: string, destinationIds: string[]): Prisma.Sql {
  return Prisma.sql`
    FROM "DeliveryCursor" c JOIN "TracePayload" t ON t."workspaceId" = ${workspaceId} AND (t.xid, t.seq) > (c.xid, c.seq) AND t.routes ? c."destinationId"
   WHERE c."destinationId" = ANY(${destinationIds}) AND ${noExceptionRow(Prisma.sql`c."destinationId"`)}`;
}

export type Waiting = {
  /** Deliveries waiting: exception rows pending or in flight, and log traces past the cursor. */
  waiting: number;
  /** Of those, the ones that have failed at least once and wait for another attempt. */
  retrying: number;
  /** When the oldest of them was queued (received, or requeued by a retry or replay). */
  oldestQueuedAt: Date | null;
};

const NOTHING_WAITING: Waiting = { waiting: 0, retrying: 0, oldestQueuedAt: null };

/**
 * What waits for each destination now (every id gets an entry), in one query for the list and the
 * health page. The log's part is a range of the (workspaceId, xid, seq) index from each cursor.
 */
export async function waitingDeliveries(workspaceId: string, destinationIds: string[]): Promise<Map<string, Waiting>> {
  const rows = destinationIds.length
    ? await prisma.$queryRaw<{ destinationId: string; waiting: number; retrying: number; oldest: Date | null }[]>`
        SELECT "destinationId", sum(waiting)::int AS waiting, sum(retrying)::int AS retrying, min(oldest) AS oldest
          FROM (SELECT "destinationId", count(*) AS waiting, count(*) FILTER (WHERE attempts > 0) AS retrying, min("createdAt") AS oldest
                  FROM "Delivery"
                 WHERE "workspaceId" = ${workspaceId} AND "destinationId" = ANY(${destinationIds}) AND status IN ('pending', 'in_flight')
                 GROUP BY 1
                UNION ALL
                SELECT c."destinationId", count(*), 0, min(t."receivedAt") ${pendingInLog(workspaceId, destinationIds)}
                 GROUP BY 1) AS waiting
         GROUP BY 1`
    : [];
  const byId = new Map(rows.map((r) => [r.destinationId, { waiting: r.waiting, retrying: r.retrying, oldestQueuedAt: r.oldest }]));
  return new Map(destinationIds.map((id) => [id, byId.get(id) ?? NOTHING_WAITING]));
}

/**
 * Per bucket of the window, how many of the destination's deliveries were waiting at the bucket's
 * end: created at or before it, and not completed by then. A requeued row (retry failed, replay)
 * counts from when it was queued again: requeueing resets createdAt.
 */
async function backlogByBucket(workspaceId: string, destinationId: string, window: HealthWindow, now: Date): Promise<number[]> {
  const { start, bucket, count } = bucketRange(window, now);
  // When each row stopped waiting: deliveredAt for delivered rows; failed and dropped rows have no
  // column of their own, and their last write is the one that settled them (recordFailed, the drop
  // on destination delete; only a requeue writes a settled row again, and it makes it pending), so
  // its updatedAt is when they ended. Waiting rows have none. Rows that ended before the window
  // starts cannot be waiting at any bucket's end.
  // Each row is read once, as the range of bucket ends it was waiting at (first..last), instead of
  // once per bucket: joined with the buckets this read every row of the window per bucket (seconds
  // for a busy destination on the embedded database, holding its one connection).
  // Waiting at the end E(i) = start + (i + 1) * bucket: created ≤ E(i) < ended.
  // Log traces: those delivered since the window started end when their request did; those past
  // the cursor are waiting.
  const rows = await prisma.$queryRaw<{ first: number; last: number; rows: number }[]>`
    SELECT first, last, count(*)::int AS rows
      FROM (SELECT greatest(0, ceil((date_part('epoch', "createdAt") * 1000 - ${start}::float8) / ${bucket}::float8)::int - 1) AS first,
                   CASE WHEN ended IS NULL THEN ${count - 1}::int
                        ELSE least(${count - 1}::int, ceil((date_part('epoch', ended) * 1000 - ${start}::float8) / ${bucket}::float8)::int - 2) END AS last
              FROM (SELECT "createdAt",
                           CASE status WHEN 'delivered' THEN "deliveredAt" WHEN 'failed' THEN "updatedAt" WHEN 'dropped' THEN "updatedAt" END AS ended
                      FROM "Delivery"
                     WHERE "workspaceId" = ${workspaceId} AND "destinationId" = ${destinationId}
                       AND "createdAt" <= ${new Date(start + count * bucket)}
                       AND (status IN ('pending', 'in_flight')
                            OR (status = 'delivered' AND "deliveredAt" > ${new Date(start)})
                            OR (status IN ('failed', 'dropped') AND "updatedAt" > ${new Date(start)}))
                    UNION ALL
                    SELECT t."receivedAt", a.at ${deliveredFromLog(workspaceId, destinationId, new Date(start))}
                    UNION ALL
                    SELECT t."receivedAt", NULL ${pendingInLog(workspaceId, [destinationId])}
                       AND t."receivedAt" <= ${new Date(start + count * bucket)}) AS queued) AS ranges
     WHERE first <= last
     GROUP BY first, last`;
  const backlog = Array.from({ length: count }, () => 0);
  for (const row of rows) for (let i = row.first; i <= row.last; i++) backlog[i] += row.rows;
  return backlog;
}

export async function destinationHealth(
  workspaceId: string,
  destination: { id: string; lastError: string | null; lastFailureAt: Date | null },
  window: HealthWindow,
  now = new Date(),
): Promise<DestinationHealth> {
  const since = new Date(now.getTime() - HEALTH_WINDOWS[window].span);
  const [buckets, latency, backlogHistory, backlog] = await Promise.all([
    bucketsFor(workspaceId, [destination.id], window, now),
    deliveryLatencies(workspaceId, destination.id, window, since, now),
    backlogByBucket(workspaceId, destination.id, window, now),
    waitingDeliveries(workspaceId, [destination.id]).then((waiting) => waiting.get(destination.id)!),
  ]);
  const b = buckets.get(destination.id)!;
  const delivered = b.reduce((n, x) => n + x.delivered, 0);
  const failed = b.reduce((n, x) => n + x.failed, 0);
  return {
    window,
    successRate: successRate(delivered, failed),
    delivered,
    failed,
    latencyMs: latency.window,
    backlog: backlog.waiting,
    retrying: backlog.retrying,
    oldestPendingAgeMs: backlog.oldestQueuedAt ? Math.max(0, now.getTime() - new Date(backlog.oldestQueuedAt).getTime()) : null,
    lastError: destination.lastError ? { message: destination.lastError, at: destination.lastFailureAt } : null,
    buckets: b.map((bucket, i) => ({ ...bucket, latencyMs: latency.byBucket(i), backlog: backlogHistory[i] })),
  };
}

// ───────────── delivery log ─────────────

const DELIVERY_STATUSES = ["pending", "in_flight", "delivered", "failed", "dropped"] as const satisfies readonly DeliveryStatus[];

/** An optional search term: an empty one (a cleared field) is no filter. */
const term = (max: number) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().trim().max(max, `At most ${max} characters`).optional());
const instant = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z.iso
    .datetime({ offset: true, error: "Must be an ISO 8601 date-time" })
    .transform((v) => new Date(v))
    .optional(),
);

/**
 * The delivery log's page, status filter and search: each search field is an exact match on one
 * field of the trace, served by its own index (migration delivery_search), so a search stays an
 * index range however many traces the workspace holds. `from`/`to`: when queued (the log's Time).
 */
export const deliveriesQuery = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** The trace's own id (the caller's `id`) or its stored id. */
    traceId: term(LIMITS.idLength),
    /** The provider's id for the generation (response.id). */
    generationId: term(LIMITS.idLength),
    traceName: term(LIMITS.nameLength),
    sessionId: term(LIMITS.sessionIdLength),
    model: term(LIMITS.modelLength),
    apiKeyId: term(64),
    from: instant,
    to: instant,
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ["to"], message: "Must be after from" });
export type DeliveriesQuery = z.output<typeof deliveriesQuery>;

/** SQL: the query's trace filters on trace `t` (empty when none). */
function traceFilters(query: DeliveriesQuery): Prisma.Sql {
  const filters: Prisma.Sql[] = [];
  if (query.traceId) filters.push(Prisma.sql`AND (t.id = ${query.traceId} OR t.data->>'id' = ${query.traceId})`);
  if (query.generationId) filters.push(Prisma.sql`AND t.data->'response'->>'id' = ${query.generationId}`);
  if (query.traceName) filters.push(Prisma.sql`AND t.data->'trace'->>'trace_name' = ${query.traceName}`);
  if (query.sessionId) filters.push(Prisma.sql`AND t.data->>'session_id' = ${query.sessionId}`);
  if (query.model) filters.push(Prisma.sql`AND t.data->>'model' = ${query.model}`);
  if (query.apiKeyId) filters.push(Prisma.sql`AND t."apiKeyId" = ${query.apiKeyId}`);
  return filters.length ? Prisma.join(filters, " ") : Prisma.empty;
}

/** SQL: `at` (when queued) within the query's time range. */
function timeRange(at: Prisma.Sql, query: DeliveriesQuery): Prisma.Sql {
  return Prisma.sql`${query.from ? Prisma.sql`AND ${at} >= ${query.from}` : Prisma.empty} ${query.to ? Prisma.sql`AND ${at} < ${query.to}` : Prisma.empty}`;
}

export type DeliveryLogEntry = {
  id: string;
  /** Stored trace id, and the trace's own id (the caller's, when it sent one). */
  traceId: string;
  traceExternalId: string | null;
  isTest: boolean;
  receivedAt: Date;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  latencyMs: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
};

type LogPageRow = Omit<DeliveryLogEntry, "traceExternalId" | "status"> & { status: string; fromLog: boolean };

/**
 * The page's statement (exported so tests can EXPLAIN it): newest first by when queued, the
 * destination's exception rows and its log traces without one, each side read newest first through
 * its index (with a search, the search field's index) and stopped at the page's size.
 */
export function deliveryPageStatement(workspaceId: string, destinationId: string, query: DeliveriesQuery): Prisma.Sql {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const take = query.limit + 1;
  const logId = Prisma.sql`'dlv_' || t.id || '_' || ${destinationId}`;
  const rowAfter = after ? Prisma.sql`AND (d."createdAt" < ${after.createdAt} OR (d."createdAt" = ${after.createdAt} AND d.id < ${after.id}))` : Prisma.empty;
  const logAfter = after ? Prisma.sql`AND (t."receivedAt" < ${after.createdAt} OR (t."receivedAt" = ${after.createdAt} AND ${logId} < ${after.id}))` : Prisma.empty;
  const rowStatus = query.status ? Prisma.sql`AND d.status = ${query.status}::"DeliveryStatus"` : Prisma.empty;
  // The log holds only delivered and pending traces.
  const logStatus =
    query.status === "delivered" || query.status === "pending"
      ? Prisma.sql`AND ${LOG_STATUS_SQL} = ${query.status}`
      : query.status
        ? Prisma.sql`AND false`
        : Prisma.empty;
  const traces = traceFilters(query);
  return Prisma.sql`
    SELECT * FROM (
      (SELECT d.id, d."traceId", t."isTest", t."receivedAt", d.status::text AS status, d.attempts, d."lastStatus", d."latencyMs", d."lastError",
              d."nextAttemptAt", d."deliveredAt", d."createdAt", false AS "fromLog"
         FROM "Delivery" d JOIN "TracePayload" t ON t.id = d."traceId"
        WHERE d."workspaceId" = ${workspaceId} AND d."destinationId" = ${destinationId} ${rowStatus} ${rowAfter}
          ${timeRange(Prisma.sql`d."createdAt"`, query)} AND t."workspaceId" = ${workspaceId} ${traces}
        ORDER BY d."createdAt" DESC, d.id DESC LIMIT ${take})
      UNION ALL
      (SELECT ${logId}, t.id, t."isTest", t."receivedAt", ${LOG_STATUS_SQL}, 0, NULL::int, NULL::int, NULL::text,
              t."receivedAt", NULL::timestamp(3), t."receivedAt", true
         FROM "TracePayload" t, "DeliveryCursor" c
        WHERE c."destinationId" = ${destinationId} AND t."workspaceId" = ${workspaceId} AND t.routes ? ${destinationId}
          AND ${noExceptionRow(Prisma.sql`${destinationId}`)} ${logStatus} ${logAfter} ${timeRange(Prisma.sql`t."receivedAt"`, query)} ${traces}
        ORDER BY t."receivedAt" DESC, ${logId} DESC LIMIT ${take})) page
    ORDER BY "createdAt" DESC, id DESC LIMIT ${take}`;
}

/**
 * The delivery log's page (deliveryPageStatement). A log trace's delivery details (when, the
 * answer's status, the request's latency) are those of the request that covered it.
 */
export async function listDeliveries(
  workspaceId: string,
  destinationId: string,
  query: DeliveriesQuery,
): Promise<{ deliveries: DeliveryLogEntry[]; nextCursor: string | null }> {
  const rows = await prisma.$queryRaw<LogPageRow[]>(deliveryPageStatement(workspaceId, destinationId, query));
  const page = rows.slice(0, query.limit);
  const delivered = page.filter((r) => r.fromLog && r.status === "delivered").map((r) => r.traceId);
  const pending = page.filter((r) => r.fromLog && r.status === "pending").map((r) => r.traceId);
  // Only the id out of each trace document, not the whole (possibly large) JSON; for delivered log
  // traces, the first successful request whose range reaches them; for pending ones, the failed
  // requests that carried them (the cursor waits at a retryable failure: they are being retried).
  const [externalIds, requests, failures] = page.length
    ? await Promise.all([
        prisma.$queryRaw<{ id: string; externalId: string | null }[]>`
          SELECT id, data->>'id' AS "externalId" FROM "TracePayload" WHERE id = ANY(${page.map((d) => d.traceId)})`,
        delivered.length
          ? prisma.$queryRaw<{ id: string; at: Date; httpStatus: number | null; latencyMs: number }[]>`
              SELECT t.id, a.at, a."httpStatus", a."latencyMs"
                FROM "TracePayload" t
               CROSS JOIN LATERAL (SELECT at, "httpStatus", "latencyMs" FROM "DeliveryAttempt" a
                                    WHERE a."destinationId" = ${destinationId} AND a.ok AND (a."toXid", a."toSeq") >= (t.xid, t.seq)
                                    ORDER BY a."toXid", a."toSeq" LIMIT 1) a
               WHERE t.id = ANY(${delivered})`
          : [],
        pending.length
          ? prisma.$queryRaw<{ id: string; attempts: number; lastStatus: number | null; latencyMs: number; lastError: string | null; nextAttemptAt: Date | null }[]>`
              SELECT DISTINCT ON (t.id) t.id, count(*) OVER (PARTITION BY t.id)::int AS attempts, a."httpStatus" AS "lastStatus",
                     a."latencyMs", a.error AS "lastError", a."nextAttemptAt"
                FROM "TracePayload" t
                JOIN "DeliveryAttempt" a ON a."destinationId" = ${destinationId} AND NOT a.ok
                 AND (a."toXid", a."toSeq") >= (t.xid, t.seq) AND (a."fromXid", a."fromSeq") <= (t.xid, t.seq)
               WHERE t.id = ANY(${pending})
               ORDER BY t.id, a.at DESC`
          : [],
      ])
    : [[], [], []];
  const externalIdOf = new Map(externalIds.map((t) => [t.id, t.externalId]));
  const requestOf = new Map(requests.map((r) => [r.id, r]));
  const failuresOf = new Map(failures.map((f) => [f.id, f]));
  return {
    deliveries: page.map(({ fromLog, ...d }) => {
      const request = fromLog ? requestOf.get(d.traceId) : undefined;
      const failed = fromLog ? failuresOf.get(d.traceId) : undefined;
      return {
        ...d,
        status: d.status as DeliveryStatus,
        traceExternalId: externalIdOf.get(d.traceId) ?? null,
        ...(request ? { attempts: 1, lastStatus: request.httpStatus, latencyMs: request.latencyMs, deliveredAt: request.at } : {}),
        ...(failed
          ? { attempts: failed.attempts, lastStatus: failed.lastStatus, latencyMs: failed.latencyMs, lastError: failed.lastError, nextAttemptAt: failed.nextAttemptAt ?? d.nextAttemptAt }
          : {}),
      };
    }),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null,
  };
}

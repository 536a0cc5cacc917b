// Read side of the delivery ledger: the delivery log, per-destination health, and the summary
// (status, 24 h success rate, hourly sparkline) shown in the destinations list. Callers pass ids
// already scoped to the workspace; every query also filters on workspaceId.
import { z } from "zod";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { prisma } from "@/lib/db";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";

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
               floor((date_part('epoch', "createdAt") * 1000 - ${start}::float8) / ${bucket}::float8)::int AS bucket,
               (count(*) FILTER (WHERE status = 'delivered'))::int AS delivered,
               (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
               (count(*) FILTER (WHERE status IN ('pending', 'in_flight')))::int AS pending
          FROM "Delivery"
         WHERE "workspaceId" = ${workspaceId}
           AND "destinationId" = ANY(${destinationIds})
           AND "createdAt" >= ${new Date(start)}
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

/** Trace received → delivered, in milliseconds (null: nothing was delivered). */
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
 * p50/p95 of trace received → delivered over the deliveries completed since `since`, and per bucket
 * of the window (by when delivered) in the same scan. A delivery completed between `since` and the
 * first aligned bucket counts in the window's figure only.
 */
async function deliveryLatencies(workspaceId: string, destinationId: string, window: HealthWindow, since: Date, now: Date) {
  const { start, bucket } = bucketRange(window, now);
  const rows = await prisma.$queryRaw<LatencyRow[]>`
    SELECT bucket,
           GROUPING(bucket) = 1 AS overall,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)::float8 AS p95
      FROM (SELECT floor((date_part('epoch', d."deliveredAt") * 1000 - ${start}::float8) / ${bucket}::float8)::int AS bucket,
                   date_part('epoch', d."deliveredAt" - t."receivedAt") * 1000 AS latency
              FROM "Delivery" d JOIN "TracePayload" t ON t.id = d."traceId"
             WHERE d."workspaceId" = ${workspaceId} AND d."destinationId" = ${destinationId}
               AND d.status = 'delivered' AND d."deliveredAt" >= ${since}) AS completed
     GROUP BY GROUPING SETS ((bucket), ())`;
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v));
  const latency = (row: LatencyRow | undefined): Latency => ({ p50: round(row?.p50 ?? null), p95: round(row?.p95 ?? null) });
  return {
    window: latency(rows.find((r) => r.overall)),
    byBucket: (index: number) => latency(rows.find((r) => !r.overall && r.bucket === index)),
  };
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
                            OR (status IN ('failed', 'dropped') AND "updatedAt" > ${new Date(start)}))) AS queued) AS ranges
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
    prisma.$queryRaw<{ backlog: number; retrying: number; oldest: Date | null }[]>`
      SELECT count(*)::int AS backlog,
             (count(*) FILTER (WHERE attempts > 0))::int AS retrying,
             min("createdAt") AS oldest
        FROM "Delivery"
       WHERE "workspaceId" = ${workspaceId} AND "destinationId" = ${destination.id} AND status IN ('pending', 'in_flight')`,
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
    backlog: backlog[0]?.backlog ?? 0,
    retrying: backlog[0]?.retrying ?? 0,
    oldestPendingAgeMs: backlog[0]?.oldest ? Math.max(0, now.getTime() - new Date(backlog[0].oldest).getTime()) : null,
    lastError: destination.lastError ? { message: destination.lastError, at: destination.lastFailureAt } : null,
    buckets: b.map((bucket, i) => ({ ...bucket, latencyMs: latency.byBucket(i), backlog: backlogHistory[i] })),
  };
}

// ───────────── delivery log ─────────────

const DELIVERY_STATUSES = ["pending", "in_flight", "delivered", "failed", "dropped"] as const satisfies readonly DeliveryStatus[];

export const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DeliveriesQuery = z.output<typeof deliveriesQuery>;

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

/** Newest first. */
export async function listDeliveries(
  workspaceId: string,
  destinationId: string,
  query: DeliveriesQuery,
): Promise<{ deliveries: DeliveryLogEntry[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await prisma.delivery.findMany({
    where: {
      workspaceId,
      destinationId,
      ...(query.status ? { status: query.status } : {}),
      ...(after ? cursorWhere(after) : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    include: { trace: { select: { receivedAt: true, isTest: true } } },
  });
  const page = rows.slice(0, query.limit);
  // Only the id out of each trace document, not the whole (possibly large) JSON.
  const externalIds = page.length
    ? await prisma.$queryRaw<{ id: string; externalId: string | null }[]>`
        SELECT id, data->>'id' AS "externalId" FROM "TracePayload" WHERE id = ANY(${page.map((d) => d.traceId)})`
    : [];
  const externalIdOf = new Map(externalIds.map((t) => [t.id, t.externalId]));
  return {
    deliveries: page.map((d) => ({
      id: d.id,
      traceId: d.traceId,
      traceExternalId: externalIdOf.get(d.traceId) ?? null,
      isTest: d.trace.isTest,
      receivedAt: d.trace.receivedAt,
      status: d.status,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      latencyMs: d.latencyMs,
      lastError: d.lastError,
      nextAttemptAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
    })),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null,
  };
}

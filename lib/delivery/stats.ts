// Read side of the delivery ledger: the delivery log, per-destination health, and the summary
// (status, 24 h success rate, hourly sparkline) shown in the destinations list. Callers pass ids
// already scoped to the workspace; every query also filters on workspaceId. A trace's status at a
// destination comes from its exception row, else from the destination's cursor in the log
// (status.ts); when a log trace was delivered, from the DeliveryAttempt whose range covered it.
import { z } from "zod";
import { decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { LIMITS } from "@/lib/traces/schema";
import { prisma, queryInIndexOrder } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";
import { addHistograms, histogramQuantile } from "./latency-histogram";
import { LOG_STATUS_SQL, noExceptionRow, waitingInLog } from "./status";

const HOUR = 3_600_000;

export const HEALTH_WINDOWS = {
  "24h": { span: 24 * HOUR, bucket: HOUR },
  "7d": { span: 7 * 24 * HOUR, bucket: 6 * HOUR },
} as const;
export type HealthWindow = keyof typeof HEALTH_WINDOWS;

export type Bucket = { start: Date; delivered: number; failed: number };

/** The window's buckets: `count` of `bucket` ms from `start` (epoch ms) up to the bucket holding `now`. */
function bucketRange(window: HealthWindow, now: Date) {
  const { span, bucket } = HEALTH_WINDOWS[window];
  // Aligned to bucket boundaries so successive reads show stable bars.
  const end = Math.ceil(now.getTime() / bucket) * bucket;
  return { start: end - span, bucket, count: span / bucket };
}

type StatRow = { destinationId: string; bucket: number; delivered: number; failed: number; latency: number[]; waiting: number | null; hour: Date };

/**
 * The destinations' counters (counters.ts) of the hours in the window, each with the index of its
 * bucket, and those of the bucket before it (index −1: the backlog the window starts with): a read
 * of at most one row per destination and hour, however many traces the window saw.
 */
async function statRows(workspaceId: string, destinationIds: string[], window: HealthWindow, now: Date): Promise<StatRow[]> {
  if (destinationIds.length === 0) return [];
  const { start, bucket } = bucketRange(window, now);
  return prisma.$queryRaw<StatRow[]>`
    SELECT "destinationId", hour, floor((date_part('epoch', hour) * 1000 - ${start}::float8) / ${bucket}::float8)::int AS bucket,
           delivered, failed, latency, waiting
      FROM "DeliveryStat"
     WHERE "workspaceId" = ${workspaceId} AND "destinationId" = ANY(${destinationIds}) AND hour >= ${new Date(start - bucket)}
     ORDER BY hour`;
}

/** Delivered and failed per time bucket (by when settled), for each destination. */
function bucketsOf(destinationIds: string[], rows: StatRow[], window: HealthWindow, now: Date): Map<string, Bucket[]> {
  const { start, bucket, count } = bucketRange(window, now);
  const result = new Map<string, Bucket[]>();
  for (const id of destinationIds) {
    result.set(
      id,
      Array.from({ length: count }, (_, i) => ({ start: new Date(start + i * bucket), delivered: 0, failed: 0 })),
    );
  }
  for (const row of rows) {
    const target = result.get(row.destinationId)?.[row.bucket];
    if (target) {
      target.delivered += row.delivered;
      target.failed += row.failed;
    }
  }
  return result;
}

const successRate = (delivered: number, failed: number) => (delivered + failed === 0 ? null : delivered / (delivered + failed));

export type HealthSummary = {
  /** Share of the deliveries settled (delivered or failed) in the last 24 h that were delivered; null without any. */
  successRate24h: number | null;
  delivered24h: number;
  failed24h: number;
  /** Hourly buckets of the last 24 h, oldest first (the sparkline). */
  buckets: Bucket[];
};

/** The list's health column for each destination. */
export async function healthSummaries(workspaceId: string, destinationIds: string[], now = new Date()): Promise<Map<string, HealthSummary>> {
  const buckets = bucketsOf(destinationIds, await statRows(workspaceId, destinationIds, "24h", now), "24h", now);
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
  /** Deliveries waiting at the sweep's last look in this bucket (the one before when it had none). */
  backlog: number;
};

export type DestinationHealth = {
  window: HealthWindow;
  successRate: number | null;
  delivered: number;
  failed: number;
  /** Over deliveries completed in the window. */
  latencyMs: Latency;
  /** Deliveries waiting (pending or in flight), of which `retrying` have failed at least once; `capped`: at least `backlog`. */
  backlog: number;
  backlogCapped: boolean;
  retrying: number;
  oldestPendingAgeMs: number | null;
  lastError: { message: string; at: Date | null } | null;
  buckets: HealthBucket[];
};

function latencyOf(histogram: readonly number[]): Latency {
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v));
  return { p50: round(histogramQuantile(histogram, 0.5)), p95: round(histogramQuantile(histogram, 0.95)) };
}

/** SQL: the first `limit` log traces waiting for the destination (status.ts waitingInLog). */
const pendingInLog = (workspaceId: string, destinationId: string, limit: number, after?: { xid: bigint; seq: bigint }) =>
  waitingInLog(Prisma.sql`${workspaceId}`, Prisma.sql`${destinationId}`, limit, after);

export type Waiting = {
  /** Deliveries waiting: exception rows pending or in flight, and log traces past the cursor. */
  waiting: number;
  /** Counting stopped at WAITING_COUNT_CAP: at least `waiting` wait. */
  capped: boolean;
  /** Of those, the ones that have failed at least once and wait for another attempt. */
  retrying: number;
  /** When the oldest of them was queued (received, or requeued by a retry or replay). */
  oldestQueuedAt: Date | null;
};

/** The views count a backlog up to this many deliveries, so a refresh costs the same however large it is. */
export const WAITING_COUNT_CAP = 1_000;

/**
 * What waits for the destination now, counted up to `cap` on each side (exception rows, log):
 * each a range of an index stopped at the cap; the oldest is the first entry of each.
 */
export async function countWaiting(workspaceId: string, destinationId: string, cap = WAITING_COUNT_CAP): Promise<Waiting> {
  // The exception rows' side through the partial indexes of waiting and retrying rows (migration
  // waiting_rows), whatever the statistics on a replay's fresh rows say (queryInIndexOrder).
  const [row] = await queryInIndexOrder<{ rows: number; retrying: number; log: number; oldestRow: Date | null; oldestLog: Date | null }>(Prisma.sql`
    SELECT (SELECT count(*)::int FROM (SELECT 1 FROM "Delivery"
                                         WHERE "destinationId" = ${destinationId} AND status IN ('pending', 'in_flight') LIMIT ${cap}) r) AS rows,
           (SELECT count(*)::int FROM (SELECT 1 FROM "Delivery"
                                         WHERE "destinationId" = ${destinationId} AND status IN ('pending', 'in_flight') AND attempts > 0 LIMIT ${cap}) r) AS retrying,
           (SELECT count(*)::int FROM ${pendingInLog(workspaceId, destinationId, cap)} l) AS log,
           (SELECT min("createdAt") FROM "Delivery" WHERE "destinationId" = ${destinationId} AND status IN ('pending', 'in_flight')) AS "oldestRow",
           (SELECT l."receivedAt" FROM ${pendingInLog(workspaceId, destinationId, 1)} l) AS "oldestLog"`);
  const oldest = [row.oldestRow, row.oldestLog].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  return { waiting: row.rows + row.log, capped: row.rows >= cap || row.log >= cap, retrying: row.retrying, oldestQueuedAt: oldest };
}

/** The sweep counts a backlog up to this many deliveries for the backlog chart. */
export const BACKLOG_SAMPLE_CAP = 20_000;
export const BACKLOG_SAMPLE_CHUNK = 1_000;

/**
 * How many deliveries wait for the destination, up to BACKLOG_SAMPLE_CAP, for the sweep's count
 * (counters.ts): the log's part a chunk of BACKLOG_SAMPLE_CHUNK traces per statement, each from
 * where the previous stopped, so the embedded database's one connection is never held for the
 * whole count of a large backlog.
 */
export async function countBacklog(workspaceId: string, destinationId: string): Promise<number> {
  const { waiting } = await countWaiting(workspaceId, destinationId, BACKLOG_SAMPLE_CHUNK);
  const [{ rows }] = await prisma.$queryRaw<{ rows: number }[]>`
    SELECT count(*)::int AS rows FROM (SELECT 1 FROM "Delivery"
                                        WHERE "destinationId" = ${destinationId} AND status IN ('pending', 'in_flight') LIMIT ${BACKLOG_SAMPLE_CAP}) r`;
  let log = waiting - Math.min(rows, BACKLOG_SAMPLE_CHUNK);
  if (log < BACKLOG_SAMPLE_CHUNK) return Math.min(BACKLOG_SAMPLE_CAP, rows + log);
  // The log's part goes on past its first chunk: count on from the last trace of each chunk.
  let after = (await logChunkEnd(workspaceId, destinationId, null))!;
  while (log < BACKLOG_SAMPLE_CAP) {
    const next = await logChunkEnd(workspaceId, destinationId, after);
    if (!next) break;
    log += next.counted;
    if (next.counted < BACKLOG_SAMPLE_CHUNK) break;
    after = next;
  }
  return Math.min(BACKLOG_SAMPLE_CAP, rows + log);
}

/** The position of the last of the next BACKLOG_SAMPLE_CHUNK waiting log traces after `after` (from the cursor when null), and how many there were. */
async function logChunkEnd(workspaceId: string, destinationId: string, after: { xid: bigint; seq: bigint } | null) {
  const [row] = await prisma.$queryRaw<{ xid: bigint; seq: bigint; counted: number }[]>`
    WITH chunk AS (SELECT xid, seq FROM ${pendingInLog(workspaceId, destinationId, BACKLOG_SAMPLE_CHUNK, after ?? undefined)})
    SELECT xid, seq, (SELECT count(*)::int FROM chunk) AS counted FROM chunk ORDER BY xid DESC, seq DESC LIMIT 1`;
  return row ?? null;
}

/** What waits for each destination now (every id gets an entry), for the list and the health page. */
export async function waitingDeliveries(workspaceId: string, destinationIds: string[]): Promise<Map<string, Waiting>> {
  const result = new Map<string, Waiting>();
  for (const id of destinationIds) result.set(id, await countWaiting(workspaceId, id));
  return result;
}

export async function destinationHealth(
  workspaceId: string,
  destination: { id: string; lastError: string | null; lastFailureAt: Date | null },
  window: HealthWindow,
  now = new Date(),
): Promise<DestinationHealth> {
  const { count } = bucketRange(window, now);
  const rows = await statRows(workspaceId, [destination.id], window, now);
  const waiting = await countWaiting(workspaceId, destination.id);
  const b = bucketsOf([destination.id], rows, window, now).get(destination.id)!;
  // Latency per bucket and over the window's buckets.
  const byBucket = Array.from({ length: count }, () => [] as number[]);
  const overall: number[] = [];
  // The backlog the sweep last saw in each bucket, carried forward through buckets it did not look in.
  const sampled: (number | null)[] = Array.from({ length: count }, () => null);
  let before = 0;
  for (const row of rows) {
    if (row.bucket < 0) {
      before = row.waiting ?? before;
      continue;
    }
    if (row.bucket >= count) continue;
    addHistograms(overall, row.latency);
    addHistograms(byBucket[row.bucket], row.latency);
    if (row.waiting !== null) sampled[row.bucket] = row.waiting;
  }
  const backlog: number[] = [];
  for (const value of sampled) backlog.push(value ?? backlog.at(-1) ?? before);
  const delivered = b.reduce((n, x) => n + x.delivered, 0);
  const failed = b.reduce((n, x) => n + x.failed, 0);
  return {
    window,
    successRate: successRate(delivered, failed),
    delivered,
    failed,
    latencyMs: latencyOf(overall),
    backlog: waiting.waiting,
    backlogCapped: waiting.capped,
    retrying: waiting.retrying,
    oldestPendingAgeMs: waiting.oldestQueuedAt ? Math.max(0, now.getTime() - new Date(waiting.oldestQueuedAt).getTime()) : null,
    lastError: destination.lastError ? { message: destination.lastError, at: destination.lastFailureAt } : null,
    buckets: b.map((bucket, i) => ({ ...bucket, latencyMs: latencyOf(byBucket[i]), backlog: backlog[i] })),
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
  // Unsearched, both sides are index ranges newest first that stop at the page (queryInIndexOrder:
  // a replay's fresh rows have no statistics); a search is served by its field's index and the
  // planner's own choice.
  const statement = deliveryPageStatement(workspaceId, destinationId, query);
  const rows = traceFilters(query) !== Prisma.empty ? await prisma.$queryRaw<LogPageRow[]>(statement) : await queryInIndexOrder<LogPageRow>(statement);
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

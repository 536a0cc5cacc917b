// The delivery log: every stored trace is a row of TracePayload with where it was routed (`routes`,
// { destinationId: samplingRate }, written at ingest), and each destination reads the log with its
// own cursor, like a Kafka consumer or the OpenTelemetry Collector's persistent queue. A trace is
// delivered to a destination when the destination's cursor passes it; the Delivery table keeps
// only the exceptions (per-trace failures, replays, retries: outbox.ts).
//
// Order: (xid, seq), the id of the transaction that inserted the row and a sequence. Several
// connections insert at once, and a transaction can commit after one that started later: ordered
// by seq alone, a reader could pass a row's position before the row becomes visible and skip it for
// ever. So the log is read only below the horizon, the oldest transaction still running
// (pg_snapshot_xmin of the current snapshot): every transaction with a smaller id has ended, so
// no row below the horizon can appear later. A long-running writing transaction anywhere in the
// cluster holds the horizon, and so delivery, back until it ends. On the embedded database (one
// connection) nothing runs while a drain reads, so the horizon is just past the last commit.
//
// One reader per destination at a time, across processes: the log lease (DeliveryCursor.leaseToken
// and leaseUntil, renewed while the drain sends, short). The cursor only moves while its lease
// is held; a drain that dies leaves it where it was, and the next drain resends what the dead one
// had in flight (at least once).
import { randomUUID } from "node:crypto";
import { driver } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

/** A position in the log; bigint values as decimal text (node-postgres reads int8 as text). */
export type LogPosition = { xid: string; seq: string };

/** Past every seq of a transaction: (xid, MAX_SEQ) is the end of transaction xid's rows. */
const MAX_SEQ = "9223372036854775807";

export function comparePositions(a: LogPosition, b: LogPosition): number {
  const x = BigInt(a.xid) - BigInt(b.xid);
  if (x !== 0n) return x < 0n ? -1 : 1;
  const s = BigInt(a.seq) - BigInt(b.seq);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

/** The horizon as SQL: the oldest transaction still running (the next one to start when none is). */
export const HORIZON_SQL = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

/** The stable delivery id of a trace sent to a destination (OutboundTrace.delivery_id; an exception row made from the log keeps it). */
export function logDeliveryId(traceId: string, destinationId: string): string {
  return `dlv_${traceId}_${destinationId}`;
}

export type LogEntry = LogPosition & { traceId: string; samplingRate: number; receivedAt: Date };

export type LogRange = {
  entries: LogEntry[];
  /**
   * Where the cursor may go once the entries are dealt with: the last entry when the read was full,
   * else the horizon (nothing else routed to the destination lies below it).
   */
  end: LogPosition;
  full: boolean;
};

/**
 * The read of a destination's log: the workspace's rows after the cursor and below the horizon
 * that were routed to the destination, in order, read through the (workspaceId, xid, seq) index.
 * A database function (migration 20261207140000_log_read_plan) so that this plan holds whatever
 * the planner's statistics say. $1 workspace, $2 destination, $3/$4 cursor, $5 limit.
 */
export const READ_LOG = `SELECT horizon, id, xid, seq, rate, "receivedAt" FROM tracecast_read_log($1, $2, $3::bigint, $4::bigint, $5::integer)`;

type ReadRow = { horizon: string; id: string | null; xid: string; seq: string; rate: number; receivedAt: Date };

export async function readLog(workspaceId: string, destinationId: string, after: LogPosition, limit: number): Promise<LogRange> {
  const rows = await driver.query<ReadRow>(READ_LOG, [workspaceId, destinationId, after.xid, after.seq, limit], "tracecast_read_log");
  const entries: LogEntry[] = rows
    .filter((r) => r.id !== null)
    .map((r) => ({ traceId: r.id!, xid: r.xid, seq: r.seq, samplingRate: r.rate, receivedAt: r.receivedAt }));
  const full = entries.length >= limit;
  const horizonEnd = { xid: (BigInt(rows[0].horizon) - 1n).toString(), seq: MAX_SEQ };
  // Never backwards: a cursor set at the horizon of its creation can be ahead of (horizon - 1, MAX).
  const end = full ? entries.at(-1)! : comparePositions(horizonEnd, after) > 0 ? horizonEnd : after;
  return { entries, end, full };
}

export type LogLease = { token: string; cursor: LogPosition };

const TAKE_LEASE = `
  UPDATE "DeliveryCursor" SET "leaseToken" = $2, "leaseUntil" = $4::timestamp(3)
   WHERE "destinationId" = $1 AND ("leaseUntil" IS NULL OR "leaseUntil" < $3::timestamp(3))
  RETURNING xid::text AS xid, seq::text AS seq`;

/** Takes the destination's log lease if no live drain holds it; null when one does. */
export async function takeLogLease(destinationId: string, now: Date, leaseMs: number): Promise<LogLease | null> {
  const token = randomUUID();
  const [row] = await driver.query<LogPosition>(TAKE_LEASE, [destinationId, token, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString()], "tracecast_take_log_lease");
  return row ? { token, cursor: row } : null;
}

const RENEW_LEASE = `UPDATE "DeliveryCursor" SET "leaseUntil" = $3::timestamp(3) WHERE "destinationId" = $1 AND "leaseToken" = $2`;

export async function renewLogLease(destinationId: string, token: string, until: Date): Promise<void> {
  await driver.query(RENEW_LEASE, [destinationId, token, until.toISOString()], "tracecast_renew_log_lease");
}

const RELEASE_LEASE = `UPDATE "DeliveryCursor" SET "leaseToken" = NULL, "leaseUntil" = NULL WHERE "destinationId" = $1 AND "leaseToken" = $2`;

export async function releaseLogLease(destinationId: string, token: string): Promise<void> {
  await driver.query(RELEASE_LEASE, [destinationId, token], "tracecast_release_log_lease");
}

// With a delivered request, the health columns recordSuccess (health.ts) writes go in the same
// statement.
const ADVANCE = `
  WITH moved AS (
    UPDATE "DeliveryCursor" SET xid = $3::bigint, seq = $4::bigint
     WHERE "destinationId" = $1 AND "leaseToken" = $2
    RETURNING "destinationId"),
  health AS (
    UPDATE "Destination" SET "consecutiveFailures" = 0, "failingSince" = NULL, "lastSuccessAt" = $5::timestamp(3), "updatedAt" = $5::timestamp(3)
     WHERE $5::timestamp(3) IS NOT NULL AND id IN (SELECT "destinationId" FROM moved))
  SELECT "destinationId" FROM moved`;

/**
 * Moves the cursor to `to`, only while the lease is ours (false when it was lost: another drain
 * took over after it expired, and this one must stop). `deliveredAt`: a request was delivered, and
 * the destination's failure streak ends.
 */
export async function advanceCursor(destinationId: string, token: string, to: LogPosition, deliveredAt: Date | null): Promise<boolean> {
  const rows = await driver.query(ADVANCE, [destinationId, token, to.xid, to.seq, deliveredAt?.toISOString() ?? null], "tracecast_advance_cursor");
  return rows.length > 0;
}

/**
 * SQL (in the context of a cursor row `c` and its Destination `dest`): true when the log holds a
 * trace routed to the destination past the cursor and below the horizon. An index range read of
 * the workspace's log from the cursor, stopped at the first such trace, as a database function
 * (migration log_probe_plan) so the plan holds without statistics; drains and skipIdleCursors
 * keep the cursor near the head.
 */
const LOG_HAS_WORK_SQL = `tracecast_log_has_work(dest."workspaceId", dest.id, c.xid, c.seq)`;

/** SQL (for a Destination row `dest`): its log has work and no live drain is reading it (the sweep, outbox.ts). */
export function logDueSql(now: Date): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "DeliveryCursor" c
                   WHERE c."destinationId" = dest.id AND (c."leaseUntil" IS NULL OR c."leaseUntil" < ${now}) AND ${Prisma.raw(LOG_HAS_WORK_SQL)})`;
}

export const SKIP_IDLE = `
  UPDATE "DeliveryCursor" c
     SET xid = ${HORIZON_SQL} - 1, seq = ${MAX_SEQ}
    FROM "Destination" dest
   WHERE dest.id = c."destinationId" AND dest."deletedAt" IS NULL
     AND (c."leaseUntil" IS NULL OR c."leaseUntil" < $1::timestamp(3))
     AND (c.xid, c.seq) < (${HORIZON_SQL} - 1, ${MAX_SEQ})
     AND NOT ${LOG_HAS_WORK_SQL}`;

/**
 * Moves the cursors of destinations with nothing routed to them between their cursor and the
 * horizon up to the horizon (the sweep, every few seconds): the traces the log holds for other
 * destinations are then not read again by the next probe. Without it, a destination whose filter
 * matches nothing would have the sweep read a longer stretch of the log every time.
 */
export async function skipIdleCursors(now: Date): Promise<void> {
  await driver.query(SKIP_IDLE, [now.toISOString()], "tracecast_skip_idle_cursors");
}

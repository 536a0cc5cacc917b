// The Delivery table as the outbox of exceptions (the log, log.ts, carries first deliveries): rows
// for traces that need attempts of their own (a trace the platform refused, a replay, "retry
// failed", traces queued before the log existed). Drains claim due rows under a lease, and record
// an outcome only while they still own the rows (claimToken matches). A drain that dies leaves its rows in_flight
// until the lease runs out, then the next drain reclaims them: at-least-once, nothing lost.
import { randomUUID } from "node:crypto";
import { driver, prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { logDueSql } from "./log";
import { deliverySettings } from "./settings";

export type ClaimedDelivery = {
  id: string;
  traceId: string;
  /** Attempts including the one this claim starts. */
  attempts: number;
  samplingRate: number;
  createdAt: Date;
};

export type Claim = { token: string; rows: ClaimedDelivery[] };

/** The claim's UPDATE (without RETURNING, so tests can EXPLAIN it). */
export function claimStatement(destinationId: string, limit: number, now: Date, leaseUntil: Date, token: string, opts: { backedOff?: boolean } = {}): Prisma.Sql {
  const dueNow = opts.backedOff ? Prisma.empty : Prisma.sql`AND "nextAttemptAt" <= ${now}`;
  // Expired leases and pending rows are looked up apart, each with the (destinationId, status,
  // nextAttemptAt) index read in order and stopped at `limit`. One OR of both made the planner
  // collect and sort every due row of the destination on each claim: a cost that grew with the
  // backlog.
  return Prisma.sql`
    WITH expired AS (
           SELECT id, "nextAttemptAt" FROM "Delivery"
            WHERE "destinationId" = ${destinationId} AND status = 'in_flight' AND "claimedUntil" < ${now}
            ORDER BY "nextAttemptAt" LIMIT ${limit}
              FOR UPDATE SKIP LOCKED),
         due AS (
           SELECT id, "nextAttemptAt" FROM "Delivery"
            WHERE "destinationId" = ${destinationId} AND status = 'pending' ${dueNow}
            ORDER BY "nextAttemptAt" LIMIT ${limit}
              FOR UPDATE SKIP LOCKED),
         chosen AS (
           SELECT id FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) candidates
            ORDER BY "nextAttemptAt" LIMIT ${limit})
    UPDATE "Delivery"
       SET status = 'in_flight', "claimedUntil" = ${leaseUntil}, "claimToken" = ${token},
           attempts = attempts + 1, "updatedAt" = ${now}
     WHERE id IN (SELECT id FROM chosen)`;
}

/**
 * Claims up to `limit` due rows of one destination, oldest due first: pending rows whose time has
 * come and in_flight rows whose lease expired; with `backedOff`, pending rows still in their
 * backoff too (the circuit's probe: the platform is what is being tested, not the rows' timers).
 * SKIP LOCKED lets concurrent drains (several app instances) take disjoint rows instead of waiting
 * on each other.
 */
export async function claimDue(
  destinationId: string,
  limit: number,
  now = new Date(),
  leaseMs = deliverySettings.leaseMs(),
  opts: { backedOff?: boolean } = {},
): Promise<Claim> {
  const token = randomUUID();
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const rows = await prisma.$queryRaw<ClaimedDelivery[]>`${claimStatement(destinationId, limit, now, leaseUntil, token, opts)} RETURNING id, "traceId", attempts, "samplingRate", "createdAt"`;
  rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return { token, rows };
}

const owned = (ids: string[], token: string) => ({ id: { in: ids }, claimToken: token, status: "in_flight" as const });

// The statements a drain runs for every batch go to the driver as prepared statements, past
// Prisma, whose per-call query compilation cost more main-thread CPU than the statements
// themselves (bench/backlog.bench.mts profile). Ids travel as one JSON array parameter; timestamps
// as ISO strings cast to `timestamp(3)`, the UTC wall-clock value Prisma writes.
const OWNED_ROWS = `id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND "claimToken" = $2 AND status = 'in_flight'`;

const RENEW_CLAIM = `UPDATE "Delivery" SET "claimedUntil" = $3::timestamp(3) WHERE ${OWNED_ROWS}`;

/** Extends the lease of the claim's rows the drain still owns (it is alive and sending); by id, as claimToken has no index. */
export async function renewClaim(claim: Claim, now: Date, leaseMs = deliverySettings.leaseMs()): Promise<void> {
  const until = new Date(now.getTime() + leaseMs).toISOString();
  await driver.query(RENEW_CLAIM, [JSON.stringify(claim.rows.map((r) => r.id)), claim.token, until], "tracecast_renew_claim");
}
const released = { claimToken: null, claimedUntil: null };

const RECORD_DELIVERED = `
  UPDATE "Delivery"
     SET status = 'delivered', "claimToken" = NULL, "claimedUntil" = NULL, "deliveredAt" = $3::timestamp(3),
         "latencyMs" = $4, "lastStatus" = $5, "lastError" = NULL, "updatedAt" = $3::timestamp(3)
   WHERE ${OWNED_ROWS}`;

/** Marks the rows the drain still owns delivered: one statement per batch. */
export async function recordDelivered(ids: string[], token: string, outcome: { at: Date; latencyMs: number; status: number | null }): Promise<void> {
  await driver.query(RECORD_DELIVERED, [JSON.stringify(ids), token, outcome.at.toISOString(), outcome.latencyMs, outcome.status], "tracecast_record_delivered");
}

export async function recordRetry(id: string, token: string, outcome: { at: Date; status: number | null; error: string }) {
  return prisma.delivery.updateMany({
    where: owned([id], token),
    data: { ...released, status: "pending", nextAttemptAt: outcome.at, lastStatus: outcome.status, lastError: outcome.error },
  });
}

export async function recordFailed(ids: string[], token: string, outcome: { status: number | null; error: string }) {
  return prisma.delivery.updateMany({
    where: owned(ids, token),
    data: { ...released, status: "failed", lastStatus: outcome.status, lastError: outcome.error },
  });
}

/** Puts claimed rows back untouched (the drain stopped before trying them), undoing the attempt count. */
export async function releaseClaim(ids: string[], token: string) {
  return prisma.delivery.updateMany({
    where: owned(ids, token),
    data: { ...released, status: "pending", attempts: { decrement: 1 } },
  });
}

/** The sweep's query (exported so tests can EXPLAIN it). */
export function dueDestinationsStatement(now: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT dest.id
      FROM "Destination" dest
      JOIN "Workspace" w ON w.id = dest."workspaceId"
     WHERE dest."deletedAt" IS NULL AND dest.enabled AND dest.status = 'active' AND w."broadcastEnabled"
       AND (dest."circuitOpenUntil" IS NULL OR dest."circuitOpenUntil" <= ${now})
       AND (EXISTS (SELECT 1 FROM "Delivery" d
                     WHERE d."destinationId" = dest.id AND d.status = 'pending'
                       AND (d."nextAttemptAt" <= ${now} OR dest."circuitOpenUntil" IS NOT NULL))
            OR EXISTS (SELECT 1 FROM "Delivery" d
                        WHERE d."destinationId" = dest.id AND d.status = 'in_flight' AND d."claimedUntil" < ${now})
            OR ${logDueSql(now)})`;
}

/**
 * Destinations with due work: pending rows whose time has come, or expired leases; destinations
 * whose circuit is half-open with any pending row (the probe); and destinations whose log holds
 * traces routed to them past their cursor (log.ts) that no live drain is reading. Destinations whose
 * circuit is open are left alone until it half-opens. One indexed probe per destination, not a
 * scan of the backlog: the sweep runs every few seconds whatever the backlog's size.
 */
export async function destinationsWithDueWork(now = new Date()): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>(dueDestinationsStatement(now));
  return rows.map((r) => r.id);
}

/** An exception row made from the log (drain.ts): a trace the log could not deliver in one go. */
export type ExceptionRow = {
  id: string;
  traceId: string;
  destinationId: string;
  workspaceId: string;
  status: "pending" | "failed";
  nextAttemptAt: Date;
  samplingRate: number;
  /** When the trace was queued (received): the row's retry window counts from it. */
  queuedAt: Date;
  lastStatus: number | null;
  lastError: string;
  /** When the attempt was made. */
  at: Date;
};

// One attempt made. ON CONFLICT: a drain that died after writing them and before moving the cursor
// left them there; the next drain sends the range again and finds them.
const INSERT_EXCEPTIONS = `
  INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, attempts, "nextAttemptAt", "samplingRate",
                          "lastStatus", "lastError", "createdAt", "updatedAt")
  SELECT id, "traceId", "destinationId", "workspaceId", status::"DeliveryStatus", 1, "nextAttemptAt", "samplingRate",
         "lastStatus", "lastError", "queuedAt", at
    FROM jsonb_to_recordset($1::jsonb)
      AS r(id text, "traceId" text, "destinationId" text, "workspaceId" text, status text, "nextAttemptAt" timestamp(3),
           "samplingRate" double precision, "lastStatus" integer, "lastError" text, "queuedAt" timestamp(3), at timestamp(3))
  ON CONFLICT ("traceId", "destinationId") DO NOTHING`;

/** Stores traces of the log that need attempts of their own (or failed) as Delivery rows. */
export async function insertExceptions(rows: ExceptionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await driver.query(INSERT_EXCEPTIONS, [JSON.stringify(rows)], "tracecast_insert_exceptions");
}

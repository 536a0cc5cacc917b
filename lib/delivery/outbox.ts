// The Delivery table as an outbox: drains claim due rows under a lease, and record an outcome only
// while they still own the rows (claimToken matches). A drain that dies leaves its rows in_flight
// until the lease runs out, then the next drain reclaims them: at-least-once, nothing lost.
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db";
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
  const rows = await prisma.$queryRaw<ClaimedDelivery[]>`
    UPDATE "Delivery"
       SET status = 'in_flight', "claimedUntil" = ${leaseUntil}, "claimToken" = ${token},
           attempts = attempts + 1, "updatedAt" = ${now}
     WHERE id IN (
       SELECT id FROM "Delivery"
        WHERE "destinationId" = ${destinationId}
          AND ((status = 'pending' AND ("nextAttemptAt" <= ${now} OR ${opts.backedOff === true})) OR (status = 'in_flight' AND "claimedUntil" < ${now}))
        ORDER BY "nextAttemptAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
    RETURNING id, "traceId", attempts, "samplingRate", "createdAt"`;
  rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return { token, rows };
}

/** Extends the lease of the rows a drain still owns under `token` (the drain is alive and sending). */
export async function renewClaim(token: string, now: Date, leaseMs = deliverySettings.leaseMs()) {
  return prisma.delivery.updateMany({ where: { claimToken: token, status: "in_flight" }, data: { claimedUntil: new Date(now.getTime() + leaseMs) } });
}

const owned = (ids: string[], token: string) => ({ id: { in: ids }, claimToken: token, status: "in_flight" as const });
const released = { claimToken: null, claimedUntil: null };

export async function recordDelivered(ids: string[], token: string, outcome: { at: Date; latencyMs: number; status: number | null }) {
  return prisma.delivery.updateMany({
    where: owned(ids, token),
    data: { ...released, status: "delivered", deliveredAt: outcome.at, latencyMs: outcome.latencyMs, lastStatus: outcome.status, lastError: null },
  });
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

/**
 * Destinations with due work: pending rows whose time has come, or expired leases; and
 * destinations whose circuit is half-open with any pending row (the probe). Destinations whose
 * circuit is open are left alone until it half-opens.
 */
export async function destinationsWithDueWork(now = new Date()): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ destinationId: string }[]>`
    SELECT DISTINCT d."destinationId"
      FROM "Delivery" d
      JOIN "Destination" dest ON dest.id = d."destinationId"
      JOIN "Workspace" w ON w.id = dest."workspaceId"
     WHERE ((d.status = 'pending' AND (d."nextAttemptAt" <= ${now} OR dest."circuitOpenUntil" IS NOT NULL))
            OR (d.status = 'in_flight' AND d."claimedUntil" < ${now}))
       AND (dest."circuitOpenUntil" IS NULL OR dest."circuitOpenUntil" <= ${now})
       AND dest."deletedAt" IS NULL AND dest.enabled AND dest.status = 'active' AND w."broadcastEnabled"`;
  return rows.map((r) => r.destinationId);
}

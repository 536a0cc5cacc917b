// How far a workspace has come on the first-run path the Observability page walks a new user
// through: an API key, a trace received, a destination, a trace delivered. Each step is read from
// the data it stands for, so it is done exactly when the thing has happened.
import { prisma } from "@/lib/db";
import { destinationTraces } from "@/lib/delivery/status";

export type FirstRunProgress = {
  /** A usable (not revoked) API key exists. */
  apiKey: boolean;
  /** A trace from an app (not a test trace) has been received. */
  traceReceived: boolean;
  destination: boolean;
  /** A trace from an app has been delivered to a destination. */
  traceDelivered: boolean;
};

export async function firstRunProgress(workspaceId: string): Promise<FirstRunProgress> {
  const [apiKey, trace, destinations] = await Promise.all([
    prisma.apiKey.findFirst({ where: { workspaceId, revokedAt: null }, select: { id: true } }),
    prisma.tracePayload.findFirst({ where: { workspaceId, isTest: false }, select: { id: true } }),
    prisma.destination.findMany({ where: { workspaceId, deletedAt: null }, select: { id: true } }),
  ]);
  const delivered = destinations.length ? await appTraceDelivered(workspaceId, destinations.map((d) => d.id)) : false;
  return { apiKey: apiKey !== null, traceReceived: trace !== null, destination: destinations.length > 0, traceDelivered: delivered };
}

/**
 * Whether an app trace (not a test trace) reached one of the destinations: a delivered exception
 * row (a retry, a replay), or a log trace routed there that the destination's cursor has passed
 * without making it an exception (lib/delivery/status.ts says what each status is).
 */
async function appTraceDelivered(workspaceId: string, destinationIds: string[]): Promise<boolean> {
  const [row] = await prisma.$queryRaw<{ delivered: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM (${destinationTraces(workspaceId, destinationIds)}) s
                     JOIN "TracePayload" p ON p.id = s."traceId" AND NOT p."isTest"
                    WHERE s.status = 'delivered') AS delivered`;
  return row?.delivered ?? false;
}

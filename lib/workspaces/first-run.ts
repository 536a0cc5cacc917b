// How far a workspace has come on the first-run path the Observability page walks a new user
// through: an API key, a trace received, a destination, a trace delivered. Each step is read from
// the data it stands for, so it is done exactly when the thing has happened.
import { prisma } from "@/lib/db";

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
  // By destination, so the (destinationId, status, deliveredAt) index answers it.
  const delivered = destinations.length
    ? await prisma.delivery.findFirst({
        where: { destinationId: { in: destinations.map((d) => d.id) }, workspaceId, status: "delivered", trace: { isTest: false } },
        select: { id: true },
      })
    : null;
  return { apiKey: apiKey !== null, traceReceived: trace !== null, destination: destinations.length > 0, traceDelivered: delivered !== null };
}

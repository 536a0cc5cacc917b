// What the destination screens read beyond the settings: health, the delivery log, one delivery.
import "server-only";
import { notFound } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { deliveryDetail } from "@/lib/delivery/detail";
import { destinationHealth, healthSummaries, listDeliveries, waitingDeliveries, type DeliveriesQuery, type HealthSummary, type HealthWindow, type Waiting } from "@/lib/delivery/stats";
import { findDestination, listDestinations, type DestinationView } from "./views";

export type DestinationListItem = DestinationView & { summary: HealthSummary; waiting: Waiting };

export async function listDestinationsWithHealth(ctx: WorkspaceContext): Promise<DestinationListItem[]> {
  const views = await listDestinations(ctx);
  const ids = views.map((v) => v.id);
  const summaries = await healthSummaries(ctx.workspace.id, ids);
  const waiting = await waitingDeliveries(ctx.workspace.id, ids);
  return views.map((v) => ({ ...v, summary: summaries.get(v.id)!, waiting: waiting.get(v.id)! }));
}

export async function getDestinationHealth(ctx: WorkspaceContext, destinationId: string, window: HealthWindow) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  return {
    status: row.status,
    statusReason: row.statusReason,
    consecutiveFailures: row.consecutiveFailures,
    failingSince: row.failingSince,
    lastSuccessAt: row.lastSuccessAt,
    ...(await destinationHealth(ctx.workspace.id, row, window)),
  };
}

export async function getDeliveries(ctx: WorkspaceContext, destinationId: string, query: DeliveriesQuery) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  return listDeliveries(ctx.workspace.id, row.id, query);
}

export async function getDeliveryDetail(ctx: WorkspaceContext, destinationId: string, deliveryId: string) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  const detail = await deliveryDetail(ctx.workspace.id, row.id, deliveryId);
  if (!detail) throw notFound("Delivery");
  return detail;
}

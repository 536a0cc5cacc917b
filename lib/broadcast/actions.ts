// The routes' entry points for changes: the guard (a member of an organization proposes instead:
// lib/api/governed.ts), one transaction with the applyX of changes.ts, then the kick of what may now
// be delivered.
import "server-only";
import { z } from "zod";
import { parseInput } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { applyCreateDestination, applyDeleteDestination, applyPauseDestination, applyReplay, applyRequeueDelivery, applyResumeDestination, applyRetryFailed, applySetBroadcast, applyUpdateDestination, assertDirectChange } from "./changes";
import { broadcastSchema, replaySchema, requeueTraceSchema, retryFailedSchema, type CreateDestinationInput, type UpdateDestinationInput } from "./schemas";

export async function setBroadcast(ctx: WorkspaceContext, input: z.input<typeof broadcastSchema>) {
  const actor = assertDirectChange(ctx);
  const result = await prisma.$transaction((tx) => applySetBroadcast(tx, actor, input));
  if (result.enabled) {
    const ids = await prisma.destination.findMany({ where: { workspaceId: ctx.workspace.id, deletedAt: null }, select: { id: true } });
    await kickDestinations(ids.map((d) => d.id));
  }
  return result;
}

export async function getBroadcast(ctx: WorkspaceContext) {
  const ws = await prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } });
  return { enabled: ws.broadcastEnabled };
}

export async function createDestination(ctx: WorkspaceContext, input: CreateDestinationInput) {
  const actor = assertDirectChange(ctx);
  return prisma.$transaction((tx) => applyCreateDestination(tx, actor, input));
}

export async function updateDestination(ctx: WorkspaceContext, destinationId: string, patch: UpdateDestinationInput) {
  const actor = assertDirectChange(ctx);
  const view = await prisma.$transaction((tx) => applyUpdateDestination(tx, actor, { destinationId, patch }));
  await kickDestinations([destinationId]); // re-enabled or fixed config: deliver what waits
  return view;
}

export async function deleteDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  await prisma.$transaction((tx) => applyDeleteDestination(tx, actor, { destinationId }));
}

export async function pauseDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  return prisma.$transaction((tx) => applyPauseDestination(tx, actor, { destinationId }));
}

export async function resumeDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  const view = await prisma.$transaction((tx) => applyResumeDestination(tx, actor, { destinationId }));
  await kickDestinations([destinationId]);
  return view;
}

/** A dry run changes nothing, so anyone who may read the destination may ask for the count. */
export async function retryFailed(ctx: WorkspaceContext, destinationId: string, input: z.input<typeof retryFailedSchema>) {
  const { dryRun } = parseInput(retryFailedSchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyRetryFailed(prisma, actor, { destinationId, dryRun });
  if (!dryRun && result.count) await kickDestinations([destinationId]);
  return result;
}

export async function replay(ctx: WorkspaceContext, destinationId: string, input: z.input<typeof replaySchema>) {
  const { since, dryRun } = parseInput(replaySchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyReplay(prisma, actor, { destinationId, since, dryRun });
  if (!dryRun && result.count) await kickDestinations([destinationId]);
  return result;
}

export async function requeueDelivery(ctx: WorkspaceContext, destinationId: string, deliveryId: string, input: z.input<typeof requeueTraceSchema>) {
  const { dryRun } = parseInput(requeueTraceSchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyRequeueDelivery(prisma, actor, { destinationId, deliveryId, dryRun });
  if (!dryRun) await kickDestinations([destinationId]);
  return result;
}

// Test connection (saved or unsaved settings, with the saved secrets audited) and "Send test
// trace" through the real pipeline.
import "server-only";
import { z } from "zod";
import { ApiError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { logDeliveryId } from "@/lib/delivery/log";
import { acceptTraces } from "@/lib/ingest";
import { sampleTrace } from "@/lib/traces/fixtures";
import { NO_GENERATION_METADATA } from "@/lib/traces/generation-metadata";
import { traceShapingOf, type TraceShaping } from "@/lib/traces/shape";
import { traceInput } from "@/lib/traces/schema";
import { Prisma, type Destination } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";
import { targetKeysOf } from "@/lib/destinations/define";
import { runDestinationTest } from "@/lib/destinations/http";
import type { DestinationDefinition, TestResult } from "@/lib/destinations/types";
import { mergeConfig } from "./changes";
import { testUnsavedSchema } from "./schemas";
import { definitionFor, findDestination } from "./views";

type Definition = DestinationDefinition;

// The test trace is shaped as the destination's deliveries are (privacy mode, generation-metadata switches).
export async function testSavedDestination(ctx: WorkspaceContext, destinationId: string): Promise<TestResult> {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  const def = definitionFor(row.type);
  return testWithSavedSecrets(ctx, def, row, mergeConfig(def, row, {}), traceShapingOf(row));
}

/**
 * Runs a test that sends a saved destination's secrets, and audits it: the secrets leave the
 * server on a member's request, so the log says who sent them where and what came back.
 */
async function testWithSavedSecrets(ctx: WorkspaceContext, def: Definition, row: Destination, config: Record<string, unknown>, shaping: TraceShaping): Promise<TestResult> {
  const result = await runDestinationTest(def, config, { shaping });
  const target = Object.fromEntries(targetKeysOf(def).map((key) => [key, config[key] ?? null]));
  await recordAudit(prisma, {
    workspaceId: ctx.workspace.id,
    actor: ctx.user,
    action: "destination.test",
    targetType: "destination",
    targetId: row.id,
    after: JSON.parse(JSON.stringify({ name: row.name, target, ok: result.ok, status: result.status ?? null, message: result.message })) as Prisma.InputJsonObject,
  });
  return result;
}

/**
 * Tests form values before they are saved. With `destinationId` (editing), masked or omitted
 * secrets are taken from the stored destination, which must be of the same type. `privacyMode` and
 * the generation-metadata switches are the form's; each one left out is the stored destination's
 * (off for a new one).
 */
export async function testUnsavedDestination(ctx: WorkspaceContext, input: z.input<typeof testUnsavedSchema>): Promise<TestResult> {
  const { type, config, destinationId, ...shapingInput } = parseInput(testUnsavedSchema, input);
  const def = definitionFor(type);
  if (!destinationId) return runDestinationTest(def, mergeConfig(def, null, config), { shaping: { privacyMode: false, ...NO_GENERATION_METADATA, ...shapingInput } });
  const stored = await findDestination(prisma, ctx.workspace.id, destinationId);
  if (stored.type !== def.type) {
    throw new ApiError(400, "invalid_request", "destinationId is a destination of another type", [{ path: "destinationId", message: `Is a ${stored.type} destination` }]);
  }
  return testWithSavedSecrets(ctx, def, stored, mergeConfig(def, stored, config), { ...traceShapingOf(stored), ...shapingInput });
}

/**
 * "Send test trace": a sample trace marked is_test goes through the real pipeline (routing,
 * outbox, drain) of the workspace, without an API key, so it reaches the destinations that have
 * no API-key include list: every such destination of the workspace, or with `destinationId` (sent
 * from that destination's page) that one only. Returns the deliveries it queued, with the names
 * of their destinations.
 */
export async function sendTestTrace(ctx: WorkspaceContext, opts: { destinationId?: string } = {}) {
  // Another workspace's id, or a deleted destination's, is a 404 (never routed to: routing is per workspace).
  if (opts.destinationId !== undefined) await findDestination(prisma, ctx.workspace.id, opts.destinationId);
  const now = new Date();
  const sample = sampleTrace();
  const input = traceInput.parse({
    model: sample.model,
    provider: sample.provider ?? undefined,
    request: { messages: sample.request.messages, tools: sample.request.tools, parameters: sample.request.parameters },
    response: { id: sample.response.id ?? undefined, model: sample.response.model ?? undefined, messages: sample.response.messages },
    usage: { prompt_tokens: sample.usage.input_tokens, completion_tokens: sample.usage.output_tokens },
    timing: { start: new Date(now.getTime() - 1500).toISOString(), end: now.toISOString(), time_to_first_token_ms: 300 },
    finish_reason: sample.finish_reason ?? undefined,
    user: sample.user ?? undefined,
    session_id: `tracecast-test-${now.getTime()}`,
    trace: { trace_name: "Tracecast test trace", generation_name: "Test Generation", "tracecast.test": true },
  });
  const { ids } = await acceptTraces({ apiKey: null, workspace: ctx.workspace }, [input], { isTest: true, onlyDestinationId: opts.destinationId });
  // The input has no id of its own, so the trace id is its storage id (TracePayload.id).
  const traceId = ids[0];
  // Routed in the delivery log (lib/delivery/log.ts): pending until each destination's cursor passes it.
  const trace = await prisma.tracePayload.findUniqueOrThrow({ where: { id: traceId }, select: { routes: true, receivedAt: true } });
  const routedTo = Object.keys((trace.routes ?? {}) as Record<string, number>);
  const destinations = await prisma.destination.findMany({ where: { workspaceId: ctx.workspace.id, id: { in: routedTo } }, select: { id: true, name: true }, orderBy: { name: "asc" } });
  return {
    traceId,
    deliveries: destinations.map((d) => ({ id: logDeliveryId(traceId, d.id), destinationId: d.id, status: "pending" as DeliveryStatus, createdAt: trace.receivedAt, destinationName: d.name })),
  };
}

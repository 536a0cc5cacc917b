// The broadcast endpoints as the settings UI uses them (app/api/workspaces/[workspaceId]/…).
// Every response is parsed with a zod schema (the server is another process); the schemas are
// typed against the server's own exported types, so a change there fails the type check here.
import * as z from "zod/mini";
import { api, noContent } from "@/lib/client/api";
import type { FieldDescriptor, FieldWidget } from "@/lib/destinations/define";
import type { DeliveryLogEntry, DestinationHealth as HealthStats, HealthSummary, Waiting } from "@/lib/delivery/stats";
import type { RoutingPreview } from "@/lib/broadcast/routing-preview";
import type { RequeueResult } from "@/lib/broadcast/changes";
import type { DestinationListItem, getDestinationHealth } from "@/lib/broadcast/dashboard";
import type { sendTestTrace } from "@/lib/broadcast/testing";
import type { DestinationView } from "@/lib/broadcast/views";
import type { DeliveryDetail } from "@/lib/delivery/detail";
import type { DestinationCategory, TestResult } from "@/lib/destinations/types";
import type { GenerationMetadataSwitches } from "@/lib/traces/generation-metadata";
import type { FirstRunProgress } from "@/lib/workspaces/first-run";
import { workspaceApiPath } from "@/lib/workspace-paths";

/** A server type as it arrives over JSON: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

const date = z.string();

const CATEGORIES = ["LLM observability", "APM & tracing", "Product analytics", "Spend management", "Data warehouse & storage", "Custom"] as const satisfies readonly DestinationCategory[];
const WIDGETS = ["text", "secret", "url", "select", "headers", "switch", "number", "textarea"] as const satisfies readonly FieldWidget[];

const fieldSchema: z.ZodMiniType<FieldDescriptor> = z.object({
  key: z.string(),
  label: z.string(),
  help: z.optional(z.string()),
  placeholder: z.optional(z.string()),
  secret: z.optional(z.boolean()),
  widget: z.enum(WIDGETS),
  options: z.optional(z.array(z.object({ value: z.string(), label: z.string() }))),
  rules: z.optional(z.array(z.object({ pattern: z.string(), flags: z.optional(z.string()), message: z.string(), forbid: z.optional(z.boolean()) }))),
  when: z.optional(z.object({ key: z.string(), values: z.array(z.string()) })),
  multiline: z.optional(z.boolean()),
  generate: z.optional(z.object({ prefix: z.string(), bytes: z.number() })),
  required: z.boolean(),
  default: z.optional(z.unknown()),
});

export const destinationTypeSchema = z.object({
  type: z.string(),
  name: z.string(),
  category: z.enum(CATEGORIES),
  description: z.string(),
  docsUrl: z.string(),
  fields: z.array(fieldSchema),
  hasSetupSql: z.boolean(),
});
export type DestinationType = z.infer<typeof destinationTypeSchema>;

const destinationSchema = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  status: z.enum(["active", "paused", "auto_paused"]),
  statusReason: z.nullable(z.string()),
  privacyMode: z.boolean(),
  samplingRate: z.number(),
  apiKeyInclude: z.array(z.string()),
  apiKeyExclude: z.array(z.string()),
  filterRules: z.unknown(),
  regions: z.array(z.string()),
  broadcastGenerationCost: z.boolean(),
  broadcastGenerationIdentity: z.boolean(),
  broadcastGenerationRequestContext: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  version: z.number(),
  health: z.object({
    consecutiveFailures: z.number(),
    failingSince: z.nullable(date),
    lastSuccessAt: z.nullable(date),
    lastFailureAt: z.nullable(date),
    lastError: z.nullable(z.string()),
  }),
  createdAt: date,
  updatedAt: date,
}) satisfies z.ZodMiniType<Wire<DestinationView>>;
export type Destination = z.infer<typeof destinationSchema>;

const bucketSchema = z.object({ start: date, delivered: z.number(), failed: z.number() });

/** The list's per-destination 24 h summary: success rate and hourly buckets (the sparkline). */
const summarySchema = z.object({
  successRate24h: z.nullable(z.number()),
  delivered24h: z.number(),
  failed24h: z.number(),
  buckets: z.array(bucketSchema),
}) satisfies z.ZodMiniType<Wire<HealthSummary>>;

/** What waits for the destination: exception rows and log traces past its cursor (lib/delivery/stats.ts). */
const waitingSchema = z.object({ waiting: z.number(), capped: z.boolean(), retrying: z.number(), oldestQueuedAt: z.nullable(date) }) satisfies z.ZodMiniType<Wire<Waiting>>;

const listedDestinationSchema = z.extend(destinationSchema, { summary: summarySchema, waiting: waitingSchema }) satisfies z.ZodMiniType<Wire<DestinationListItem>>;
export type ListedDestination = z.infer<typeof listedDestinationSchema>;

const testResultSchema = z.object({
  ok: z.boolean(),
  status: z.optional(z.number()),
  message: z.string(),
  responseBody: z.optional(z.string()),
  request: z.optional(
    z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.optional(z.string()) }),
  ),
}) satisfies z.ZodMiniType<TestResult>;
export type TestOutcome = z.infer<typeof testResultSchema>;

const requeueSchema = z.object({
  dryRun: z.boolean(),
  count: z.number(),
  created: z.optional(z.number()),
  reset: z.optional(z.number()),
}) satisfies z.ZodMiniType<RequeueResult>;

export const DELIVERY_STATUSES = ["pending", "in_flight", "delivered", "failed", "dropped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const deliverySchema = z.object({
  id: z.string(),
  traceId: z.string(),
  traceExternalId: z.nullable(z.string()),
  isTest: z.boolean(),
  receivedAt: date,
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastStatus: z.nullable(z.number()),
  latencyMs: z.nullable(z.number()),
  lastError: z.nullable(z.string()),
  nextAttemptAt: date,
  deliveredAt: z.nullable(date),
  createdAt: date,
}) satisfies z.ZodMiniType<Wire<DeliveryLogEntry>>;
export type DeliveryRow = z.infer<typeof deliverySchema>;

const deliveryPageSchema = z.object({ deliveries: z.array(deliverySchema), nextCursor: z.nullable(z.string()) });
export type DeliveryPage = z.infer<typeof deliveryPageSchema>;

/** The delivery log's search and filters (lib/delivery/stats.ts deliveriesQuery); absent = no filter. */
export type DeliveryFilters = {
  status?: DeliveryStatus;
  traceId?: string;
  generationId?: string;
  traceName?: string;
  sessionId?: string;
  model?: string;
  apiKeyId?: string;
  /** ISO date-times. */
  from?: string;
  to?: string;
};

const maskedRequestSchema = z.object({
  method: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  truncated: z.boolean(),
  bodyBytes: z.number(),
  bodyBase64: z.nullable(z.string()),
});

const deliveryDetailSchema = z.object({
  id: z.string(),
  destinationId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  exceptionRow: z.boolean(),
  trace: z.object({
    id: z.string(),
    externalId: z.nullable(z.string()),
    generationId: z.nullable(z.string()),
    name: z.nullable(z.string()),
    model: z.nullable(z.string()),
    provider: z.nullable(z.string()),
    apiKeyName: z.nullable(z.string()),
    sessionId: z.nullable(z.string()),
    user: z.nullable(z.string()),
    receivedAt: date,
    sizeBytes: z.number(),
    isTest: z.boolean(),
  }),
  lastStatus: z.nullable(z.number()),
  lastError: z.nullable(z.string()),
  nextAttemptAt: z.nullable(date),
  deliveredAt: z.nullable(date),
  attempts: z.array(
    z.object({
      id: z.string(),
      at: date,
      ok: z.boolean(),
      httpStatus: z.nullable(z.number()),
      latencyMs: z.number(),
      traces: z.number(),
      error: z.nullable(z.string()),
      nextAttemptAt: z.nullable(date),
    }),
  ),
  moreAttempts: z.boolean(),
  sent: z.union([
    z.object({ kind: z.literal("requests"), requests: z.array(maskedRequestSchema), more: z.number(), refused: z.nullable(z.string()), encodedAt: date }),
    z.object({ kind: z.literal("transport"), trace: z.string(), truncated: z.boolean(), refused: z.nullable(z.string()), encodedAt: date }),
    z.object({ kind: z.literal("unavailable"), reason: z.string() }),
  ]),
}) satisfies z.ZodMiniType<Wire<DeliveryDetail>>;
export type DeliveryDetailView = z.infer<typeof deliveryDetailSchema>;

export const HEALTH_WINDOWS = ["24h", "7d"] as const satisfies readonly HealthStats["window"][];
export type HealthWindow = (typeof HEALTH_WINDOWS)[number];

const latencySchema = z.object({ p50: z.nullable(z.number()), p95: z.nullable(z.number()) });

const healthSchema = z.object({
  status: z.enum(["active", "paused", "auto_paused"]),
  statusReason: z.nullable(z.string()),
  consecutiveFailures: z.number(),
  failingSince: z.nullable(date),
  lastSuccessAt: z.nullable(date),
  window: z.enum(HEALTH_WINDOWS),
  successRate: z.nullable(z.number()),
  delivered: z.number(),
  failed: z.number(),
  latencyMs: latencySchema,
  backlog: z.number(),
  backlogCapped: z.boolean(),
  retrying: z.number(),
  oldestPendingAgeMs: z.nullable(z.number()),
  lastError: z.nullable(z.object({ message: z.string(), at: z.nullable(date) })),
  buckets: z.array(z.extend(bucketSchema, { latencyMs: latencySchema, backlog: z.number() })),
}) satisfies z.ZodMiniType<Wire<Awaited<ReturnType<typeof getDestinationHealth>>>>;
export type DestinationHealth = z.infer<typeof healthSchema>;

const routingPreviewSchema = z.object({
  considered: z.number(),
  matchingFilters: z.number(),
  routed: z.number(),
}) satisfies z.ZodMiniType<RoutingPreview>;
export type RoutingPreviewInput = Pick<DestinationSettings, "filterRules" | "apiKeyInclude" | "apiKeyExclude" | "samplingRate">;

const testTraceSchema = z.object({
  traceId: z.string(),
  deliveries: z.array(z.object({ id: z.string(), destinationId: z.string(), destinationName: z.string(), status: z.enum(DELIVERY_STATUSES), createdAt: date })),
}) satisfies z.ZodMiniType<Wire<Awaited<ReturnType<typeof sendTestTrace>>>>;
export type TestTraceResult = z.infer<typeof testTraceSchema>;

const firstRunSchema = z.object({
  apiKey: z.boolean(),
  traceReceived: z.boolean(),
  destination: z.boolean(),
  traceDelivered: z.boolean(),
}) satisfies z.ZodMiniType<FirstRunProgress>;
export type { FirstRunProgress };

export type DestinationSettings = {
  name: string;
  enabled: boolean;
  privacyMode: boolean;
  samplingRate: number;
  apiKeyInclude: string[];
  apiKeyExclude: string[];
  filterRules: unknown;
} & GenerationMetadataSwitches;

const path = workspaceApiPath;

export const observabilityKeys = {
  all: (ws: string) => ["workspaces", ws, "observability"] as const,
  types: (ws: string) => ["workspaces", ws, "observability", "types"] as const,
  destinations: (ws: string) => ["workspaces", ws, "observability", "destinations"] as const,
  destination: (ws: string, id: string) => ["workspaces", ws, "observability", "destinations", id] as const,
  health: (ws: string, id: string, window: HealthWindow) => ["workspaces", ws, "observability", "destinations", id, "health", window] as const,
  deliveries: (ws: string, id: string, filters: DeliveryFilters = {}) =>
    ["workspaces", ws, "observability", "destinations", id, "deliveries", filters] as const,
  delivery: (ws: string, id: string, deliveryId: string) => ["workspaces", ws, "observability", "destinations", id, "delivery", deliveryId] as const,
  setupSql: (ws: string, id: string) => ["workspaces", ws, "observability", "destinations", id, "setup-sql"] as const,
  firstRun: (ws: string) => ["workspaces", ws, "observability", "first-run"] as const,
  setupSqlPreview: (ws: string, type: string, config: string) => ["workspaces", ws, "observability", "setup-sql-preview", type, config] as const,
  routingPreview: (ws: string, settings: string) => ["workspaces", ws, "observability", "routing-preview", settings] as const,
};

export const observabilityApi = {
  types: (ws: string) => api.get(path(ws, "destination-types"), z.object({ types: z.array(destinationTypeSchema) })).then((r) => r.types),
  list: (ws: string) =>
    api.get(path(ws, "destinations"), z.object({ destinations: z.array(listedDestinationSchema) })).then((r) => r.destinations),
  get: (ws: string, id: string) => api.get(path(ws, "destinations", id), z.object({ destination: destinationSchema })).then((r) => r.destination),
  create: (ws: string, input: DestinationSettings & { type: string; config: Record<string, unknown> }) =>
    api.post(path(ws, "destinations"), z.object({ destination: destinationSchema }), input).then((r) => r.destination),
  update: (ws: string, id: string, patch: Partial<DestinationSettings> & { config?: Record<string, unknown> }) =>
    api.patch(path(ws, "destinations", id), z.object({ destination: destinationSchema }), patch).then((r) => r.destination),
  remove: (ws: string, id: string) => api.delete(path(ws, "destinations", id), noContent),
  testUnsaved: (ws: string, input: { type: string; config: Record<string, unknown>; destinationId?: string; privacyMode?: boolean } & Partial<GenerationMetadataSwitches>) =>
    api.post(path(ws, "destinations", "test"), z.object({ result: testResultSchema }), input).then((r) => r.result),
  testSaved: (ws: string, id: string) =>
    api.post(path(ws, "destinations", id, "test"), z.object({ result: testResultSchema })).then((r) => r.result),
  pause: (ws: string, id: string) => api.post(path(ws, "destinations", id, "pause"), z.object({ destination: destinationSchema })).then((r) => r.destination),
  resume: (ws: string, id: string) => api.post(path(ws, "destinations", id, "resume"), z.object({ destination: destinationSchema })).then((r) => r.destination),
  retryFailed: (ws: string, id: string, dryRun: boolean) => api.post(path(ws, "destinations", id, "retry-failed"), requeueSchema, { dryRun }),
  replay: (ws: string, id: string, since: string, dryRun: boolean) =>
    api.post(path(ws, "destinations", id, "replay"), requeueSchema, { since, dryRun }),
  deliveries: (ws: string, id: string, filters: DeliveryFilters, cursor: string | null) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
    if (cursor) query.set("cursor", cursor);
    const qs = query.size ? `?${query}` : "";
    return api.get(`${path(ws, "destinations", id, "deliveries")}${qs}`, deliveryPageSchema);
  },
  delivery: (ws: string, id: string, deliveryId: string) => api.get(path(ws, "destinations", id, "deliveries", deliveryId), deliveryDetailSchema),
  /** Sends the delivery's trace again (retry a failed delivery, replay a delivered one); 409 when it already waits. */
  requeueDelivery: (ws: string, id: string, deliveryId: string) =>
    api.post(path(ws, "destinations", id, "deliveries", deliveryId, "requeue"), requeueSchema, { dryRun: false }),
  health: (ws: string, id: string, window: HealthWindow) =>
    api.get(`${path(ws, "destinations", id, "health")}?window=${window}`, z.object({ health: healthSchema })).then((r) => r.health),
  setupSql: (ws: string, id: string) => api.get(path(ws, "destinations", id, "setup-sql"), z.object({ sql: z.string() })).then((r) => r.sql),
  /** The setup SQL for unsaved form values (only the non-secret fields are sent). */
  setupSqlPreview: (ws: string, body: { type: string; config: Record<string, unknown> }) =>
    api.post(path(ws, "destinations", "setup-sql"), z.object({ sql: z.string() }), body).then((r) => r.sql),
  /** To every destination of the workspace that takes it, or with `destinationId` to that one only. */
  sendTestTrace: (ws: string, destinationId?: string) =>
    api.post(destinationId ? path(ws, "destinations", destinationId, "test-trace") : path(ws, "test-trace"), testTraceSchema),
  firstRun: (ws: string) => api.get(path(ws, "first-run"), z.object({ progress: firstRunSchema })).then((r) => r.progress),
  routingPreview: (ws: string, settings: RoutingPreviewInput) => api.post(path(ws, "destinations", "routing-preview"), routingPreviewSchema, settings),
};

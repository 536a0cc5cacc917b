// The Traces view's endpoint as the UI uses it (app/api/workspaces/[workspaceId]/traces).
import * as z from "zod/mini";
import { api } from "@/lib/client/api";
import type { TraceOutcomeRow, TraceOutcomesPage } from "@/lib/delivery/trace-outcomes";
import type { NotSentReason, RuleSummary } from "@/lib/routing/not-sent";
import { workspaceApiPath } from "@/lib/workspace-paths";

// The server's lists, repeated: importing them would bring the server module (zod, Prisma) into the page.
const OUTCOMES = ["delivered", "sending", "retrying", "failed", "waiting", "dropped", "not_sent", "not_recorded", "added_later"] as const;
export const OUTCOME_FILTERS = ["delivered", "sending", "retrying", "failed", "waiting", "not_sent"] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];
const DESTINATION_STATUSES = ["active", "paused", "auto_paused"] as const;

/** A server type as it arrives over JSON: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

const ruleSchema: z.ZodMiniType<RuleSummary> = z.object({ field: z.string(), operator: z.string() as z.ZodMiniType<RuleSummary["operator"]>, value: z.optional(z.union([z.string(), z.number()])) });
const reasonSchema: z.ZodMiniType<NotSentReason> = z.union([
  z.object({ r: z.literal("sampled_out"), rate: z.number() }),
  z.object({ r: z.literal("filter"), rule: ruleSchema, others: z.optional(z.number()) }),
  z.object({ r: z.enum(["filter_invalid", "key_not_included", "key_excluded", "disabled", "broadcast_off", "test_for_other"]) }),
]);

const traceSchema: z.ZodMiniType<Wire<TraceOutcomeRow>> = z.object({
  id: z.string(),
  traceId: z.nullable(z.string()),
  name: z.nullable(z.string()),
  model: z.nullable(z.string()),
  apiKeyName: z.nullable(z.string()),
  sessionId: z.nullable(z.string()),
  isTest: z.boolean(),
  receivedAt: z.string(),
  outcomes: z.record(
    z.string(),
    z.object({ status: z.enum(OUTCOMES), reason: z.optional(reasonSchema), attempts: z.optional(z.number()), lastError: z.optional(z.nullable(z.string())) }),
  ),
});

const pageSchema: z.ZodMiniType<Wire<TraceOutcomesPage>> = z.object({
  broadcastEnabled: z.boolean(),
  destinations: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), enabled: z.boolean(), status: z.enum(DESTINATION_STATUSES) })),
  traces: z.array(traceSchema),
  nextCursor: z.nullable(z.string()),
  searchedUntil: z.nullable(z.string()),
});
export type TracesPage = z.infer<typeof pageSchema>;
export type TraceRow = TracesPage["traces"][number];
export type TraceDestination = TracesPage["destinations"][number];
export type Outcome = TraceRow["outcomes"][string];

/** What the list is narrowed to (null = any). */
export type TraceFilters = { destination: string | null; outcome: OutcomeFilter | null; q: string | null };
export const NO_TRACE_FILTERS: TraceFilters = { destination: null, outcome: null, q: null };

export const tracesQueryKey = (workspaceId: string, filters: TraceFilters) => ["workspaces", workspaceId, "traces", filters] as const;

export const tracesApi = {
  page: (workspaceId: string, filters: TraceFilters, cursor: string | null) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filters, cursor })) if (value) search.set(key, value);
    const text = search.toString();
    return api.get(`${workspaceApiPath(workspaceId, "traces")}${text ? `?${text}` : ""}`, pageSchema);
  },
};

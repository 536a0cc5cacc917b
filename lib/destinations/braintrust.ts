// Braintrust project logs through the REST insert API:
// `POST {baseUrl}/v1/project_logs/{projectId}/insert` with `Authorization: Bearer <apiKey>`
// (https://www.braintrust.dev/docs/api-reference/logs/insert-project-logs-events).
//
// Why REST and not Braintrust's OTLP endpoint: the insert body has a public OpenAPI spec
// (braintrustdata/braintrust-openapi, `InsertProjectLogsEventRequest`) that our contract tests
// validate against, and it carries Braintrust's native model directly (`metrics` with token counts
// and start/end, `span_attributes` name/type, `span_id`/`root_span_id`/`span_parents`, `metadata`,
// `tags`) instead of relying on Braintrust's OTel attribute translation. It is also what OpenRouter's
// mapping (trace_id → span id / root span id, user → metadata.user_id) describes.
//
// Row ids are deterministic (our observation ids), and an insert with an existing id replaces the
// row, so retries are idempotent. A root row (type `task`) is written when the caller grouped the
// generation (trace_name or trace_id); otherwise the LLM row is the root of its own trace. The
// conversation is logged on the root and LLM rows, not repeated on the structural span row.
import { z } from "zod";
import { jsonBytes, packBatches, refuseOversized } from "./batching";
import { defineDestination, field } from "./define";
import { callerMetadata, compact, inputMessages, outputMessages, tagsOf, traceTree } from "./trace-document";
import type { OutboundTrace } from "./types";

const MAX_BATCH = 100;
// Braintrust accepts large inserts (its SDK flushes up to ~6 MB); stay under that.
const MAX_BATCH_BYTES = 5 * 1024 * 1024;

function eventsFor(t: OutboundTrace): Record<string, unknown>[] {
  const tree = traceTree(t);
  const input = inputMessages(t);
  const output = outputMessages(t);
  const tags = tagsOf(t);
  const start = Date.parse(t.timing.start) / 1000;
  const end = Date.parse(t.timing.end) / 1000;
  const rootId = tree.grouped ? tree.traceId : (tree.span ?? tree.generation).id;
  const metadata = compact({
    ...t.metadata,
    user_id: t.user ?? undefined,
    session_id: t.session_id ?? undefined,
    api_key_name: t.api_key_name ?? undefined,
    ...callerMetadata(t),
    sampling_rate: t.sampling_rate,
  });
  const common = compact({
    root_span_id: rootId,
    created: t.timing.start,
    tags: tags.length > 0 ? tags : undefined,
    error: t.status === "error" ? (t.error?.message ?? "error") : undefined,
  });
  const events: Record<string, unknown>[] = [];
  const chain: string[] = [];
  const choices = output?.map((message, index) => ({ index, message, finish_reason: t.finish_reason }));
  if (tree.grouped) {
    events.push(
      compact({
        id: tree.traceId,
        span_id: tree.traceId,
        ...common,
        input,
        output: choices,
        metadata,
        metrics: { start, end },
        span_attributes: { name: tree.traceName, type: "task" },
      }),
    );
    chain.push(tree.traceId);
  }
  if (tree.span) {
    events.push(
      compact({
        id: tree.span.id,
        span_id: tree.span.id,
        span_parents: chain.length > 0 ? [chain.at(-1)!] : undefined,
        ...common,
        metadata,
        metrics: { start, end },
        span_attributes: { name: tree.span.name, type: "task" },
      }),
    );
    chain.push(tree.span.id);
  }
  const metrics: Record<string, number> = {
    start,
    end,
    prompt_tokens: t.usage.input_tokens,
    completion_tokens: t.usage.output_tokens,
    tokens: t.usage.total_tokens,
  };
  if (t.usage.cached_tokens !== null) metrics.prompt_cached_tokens = t.usage.cached_tokens;
  if (t.usage.reasoning_tokens !== null) metrics.completion_reasoning_tokens = t.usage.reasoning_tokens;
  if (t.timing.time_to_first_token_ms !== null) metrics.time_to_first_token = t.timing.time_to_first_token_ms / 1000;
  if (t.cost.input !== null) metrics.prompt_cost = t.cost.input;
  if (t.cost.output !== null) metrics.completion_cost = t.cost.output;
  if (t.cost.total !== null) metrics.estimated_cost = t.cost.total;
  events.push(
    compact({
      id: tree.generation.id,
      span_id: tree.generation.id,
      span_parents: chain.length > 0 ? [chain.at(-1)!] : undefined,
      ...common,
      input,
      output: choices,
      metadata: compact({
        ...metadata,
        model: t.response.model ?? t.model,
        provider: t.provider ?? undefined,
        ...t.request.parameters,
        tools: t.request.tools.length > 0 ? t.request.tools : undefined,
        stream: t.stream,
        finish_reason: t.finish_reason ?? undefined,
      }),
      metrics,
      span_attributes: { name: tree.generation.name, type: "llm" },
    }),
  );
  return events;
}

export default defineDestination({
  type: "braintrust",
  name: "Braintrust",
  category: "LLM observability",
  description: "Braintrust project logs: LLM spans with tokens, cost, timing and the conversation.",
  docsUrl: "https://www.braintrust.dev/docs/api-reference/logs/insert-project-logs-events",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "A Braintrust API key." }),
    projectId: field.text("Project Id", { help: "The id (UUID) of the Braintrust project to log to." }),
    baseUrl: field.url("Base Url", { help: "Braintrust's API host, or your self-hosted data plane." }).default("https://api.braintrust.dev"),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  encode(traces, config) {
    const perTrace = traces.map(eventsFor);
    const groups = refuseOversized(packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, jsonBytes, { overheadBytes: jsonBytes({ events: [] }), separatorBytes: 1 }));
    return groups.map((group) => ({
      method: "POST" as const,
      url: `${config.baseUrl.replace(/\/+$/, "")}/v1/project_logs/${encodeURIComponent(config.projectId)}/insert`,
      headers: { ...config.headers, "content-type": "application/json", authorization: `Bearer ${config.apiKey}` },
      body: JSON.stringify({ events: group.flat() }),
      traceCount: group.length,
    }));
  },
});

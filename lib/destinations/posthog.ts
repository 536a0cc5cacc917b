// PostHog LLM analytics: native `$ai_generation` events (plus `$ai_trace` / `$ai_span` when the caller
// named a trace or span), sent through the batch capture API `POST {endpoint}/batch/`.
// Properties follow https://posthog.com/docs/llm-analytics/installation/manual-capture and
// https://posthog.com/docs/llm-analytics/traces ; capture format: https://posthog.com/docs/api/capture
//
// distinct_id = `user`. Without a user it falls back to the trace id and sets
// `$process_person_profile: false`, which is what PostHog's own LLM SDK wrappers do for anonymous
// calls: the events stay grouped per trace without creating one person profile per trace.
// Every event carries a deterministic `uuid` (PostHog deduplicates on it), so retries don't double count.
//
// Where fields land follows what posthog-node's LLM wrappers (@posthog/ai) send for the same call:
// the event `timestamp` is the call's end (the SDK captures once the answer is in), custom metadata
// keys are properties under their own names (`env`, as the SDK's `posthogProperties`,
// https://posthog.com/docs/llm-analytics/custom-properties; nested values
// cut at depth 3; never overriding a `$ai_` property), the generation's `$ai_parent_id` is the
// trace id when no span sits between them, `$ai_output_choices` is the SDK's
// `[{role, content: [{type:"text",text} | {type:"function",id,function}]}]`, and the batch body is
// gzipped (`Content-Encoding: gzip`, as posthog-node sends it).
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { jsonBytes, packBatches, refuseOversized } from "./batching";
import { defineDestination, field } from "./define";
import { deterministicUuidV7 } from "./ids";
import { compact, contentText, inputMessages, outputMessages, traceTree } from "./trace-document";
import type { Message } from "@/lib/traces/schema";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_METADATA_DEPTH = 3;
const MAX_BATCH = 100;
// PostHog's capture API accepts up to 20 MB per batch request; stay well under it.
const MAX_BATCH_BYTES = 10 * 1024 * 1024;

type CaptureEvent = {
  event: "$ai_generation" | "$ai_span" | "$ai_trace";
  distinct_id: string;
  uuid: string;
  timestamp: string;
  properties: Record<string, unknown>;
};

/** `$ai_trace_id` may only contain letters, digits and - _ ~ . @ ( ) ! ' : | (PostHog docs). */
export function posthogTraceId(id: string): string {
  return id.replace(/[^A-Za-z0-9\-_~.@()!':|]/g, "_");
}

function truncateDepth(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_METADATA_DEPTH) return "[truncated]";
  if (Array.isArray(value)) return value.map((v) => truncateDepth(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, truncateDepth(v, depth + 1)]));
}

type OutputContent = { type: "text"; text: string } | { type: "function"; id?: string; function: { name: string; arguments?: string } };

/** The answer as @posthog/ai formats an OpenAI response for `$ai_output_choices`. */
export function posthogOutputChoices(messages: Message[]): { role: string; content: OutputContent[] }[] {
  return messages.flatMap((m) => {
    const content: OutputContent[] = [];
    const text = contentText(m.content);
    if (text !== "") content.push({ type: "text", text });
    for (const call of m.tool_calls ?? []) {
      content.push(compact({ type: "function" as const, id: call.id, function: compact({ name: call.function.name, arguments: call.function.arguments }) }) as OutputContent);
    }
    return content.length > 0 ? [{ role: m.role, content }] : [];
  });
}

function eventsFor(t: OutboundTrace): CaptureEvent[] {
  const tree = traceTree(t);
  const traceId = posthogTraceId(tree.traceId);
  const anonymous = t.user === null;
  const latency = t.timing.duration_ms / 1000;
  const input = inputMessages(t);
  const output = outputMessages(t);
  const outputChoices = posthogOutputChoices(output ?? []);
  const errorProps = t.status === "error" ? { $ai_is_error: true, $ai_error: t.error?.message ?? "error" } : {};
  const common = compact({
    ...Object.fromEntries(Object.entries(t.metadata).map(([k, v]) => [k, truncateDepth(v, 0)])),
    $ai_trace_id: traceId,
    $ai_session_id: t.session_id ?? undefined,
    ...(anonymous ? { $process_person_profile: false } : {}),
    trace_name: t.trace.trace_name ?? undefined,
    sampling_rate: t.sampling_rate,
    ...(t.is_test ? { tracecast_test: true } : {}),
  });
  /** One event; `node` carries the span identity PostHog's tree view links by. */
  const capture = (
    event: CaptureEvent["event"],
    node: { id?: string; name: string; parentId?: string },
    properties: Record<string, unknown>,
  ): CaptureEvent => ({
    event,
    distinct_id: t.user ?? traceId,
    // Same trace + event → same uuid on every retry.
    uuid: deterministicUuidV7(Date.parse(t.timing.start), `posthog:${event}:${node.id ?? tree.traceId}`),
    timestamp: t.timing.end,
    properties: compact({ ...common, $ai_span_id: node.id, $ai_span_name: node.name, $ai_parent_id: node.parentId, $ai_latency: latency, ...errorProps, ...properties }),
  });

  const events: CaptureEvent[] = [];
  if (t.trace.trace_name !== null) events.push(capture("$ai_trace", { name: tree.traceName }, { $ai_input_state: input, $ai_output_state: output }));
  if (tree.span) events.push(capture("$ai_span", { id: tree.span.id, name: tree.span.name, parentId: tree.span.parentId ?? traceId }, {}));
  const params = t.request.parameters;
  events.push(
    capture("$ai_generation", { id: tree.generation.id, name: tree.generation.name, parentId: tree.generation.parentId ?? traceId }, {
      $ai_model: t.response.model ?? t.model,
      $ai_provider: t.provider ?? undefined,
      $ai_input: input,
      $ai_output_choices: outputChoices.length > 0 ? outputChoices : undefined,
      $ai_tools: t.request.tools.length > 0 ? t.request.tools : undefined,
      $ai_input_tokens: t.usage.input_tokens,
      $ai_output_tokens: t.usage.output_tokens,
      $ai_cache_read_input_tokens: t.usage.cached_tokens ?? undefined,
      $ai_reasoning_tokens: t.usage.reasoning_tokens ?? undefined,
      $ai_input_cost_usd: t.cost.input ?? undefined,
      $ai_output_cost_usd: t.cost.output ?? undefined,
      $ai_total_cost_usd: t.cost.total ?? undefined,
      $ai_time_to_first_token: t.timing.time_to_first_token_ms === null ? undefined : t.timing.time_to_first_token_ms / 1000,
      $ai_stream: t.stream,
      $ai_model_parameters: Object.keys(params).length > 0 ? params : undefined,
      $ai_temperature: typeof params.temperature === "number" ? params.temperature : undefined,
      $ai_max_tokens: typeof params.max_tokens === "number" ? params.max_tokens : undefined,
      $ai_http_status: t.error?.status,
      $ai_stop_reason: t.finish_reason ?? undefined,
    }),
  );
  return events;
}

export default defineDestination({
  type: "posthog",
  name: "PostHog",
  category: "Product analytics",
  description: "LLM analytics: $ai_generation events with tokens, cost, latency and the conversation.",
  docsUrl: "https://posthog.com/docs/llm-analytics/installation/manual-capture",
  config: z.object({
    apiKey: field.secret("Api Key", {
      help: "Your PostHog project API key (starts with phc_): Project settings › Project API key.",
      placeholder: "phc_…",
      rules: [
        { pattern: /^phx_/, forbid: true, message: "This is a personal API key (phx_…): events are sent with the project API key (phc_…)" },
        { pattern: /^phc_\S+$/, message: "Api Key must be a project API key: it starts with phc_" },
      ],
    }),
    endpoint: field
      .url("Endpoint", { help: "US Cloud: https://us.i.posthog.com · EU Cloud: https://eu.i.posthog.com · or your self-hosted PostHog." })
      .default("https://us.i.posthog.com"),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  encode(traces, config) {
    const perTrace = traces.map(eventsFor);
    const envelope = { api_key: config.apiKey, batch: [] };
    const groups = refuseOversized(packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, jsonBytes, { overheadBytes: jsonBytes(envelope), separatorBytes: 1 }));
    return groups.map(
      (group): OutboundRequest => ({
        method: "POST",
        url: `${config.endpoint.replace(/\/+$/, "")}/batch/`,
        headers: { ...config.headers, "content-type": "application/json", "content-encoding": "gzip" },
        body: new Uint8Array(gzipSync(JSON.stringify({ api_key: config.apiKey, batch: group.flat() }))),
        traceCount: group.length,
      }),
    );
  },
});

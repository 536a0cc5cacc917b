// Comet Opik through its REST API: `POST {baseUrl}/v1/private/traces/batch`, then
// `POST {baseUrl}/v1/private/spans/batch` (https://www.comet.com/docs/opik/reference/rest-api/traces/create-traces),
// headers `authorization: <apiKey>` (no Bearer) and `Comet-Workspace`.
//
// Opik requires UUIDv7 ids. They are derived, not random: timestamp bits = the observation's start,
// remaining bits = sha256 of our id, so a retried batch writes the same ids and Opik updates instead of
// duplicating. A trace id shared by several generations (the caller's `trace.trace_id`) must map to
// one Opik trace whatever generation carries it, so its UUID takes the UTC day of the generation as
// timestamp (generations of one logical trace that straddle midnight become two Opik traces).
// Our original ids stay visible in metadata: `tracecast_trace_id` on traces and spans,
// `tracecast_observation_id` on spans (OpenRouter's `openrouter_trace_id` / `openrouter_observation_id`).
// `session_id` becomes the Opik thread; the user goes to trace metadata (`user_id`).
//
// `baseUrl` is an addition to OpenRouter's keys, for self-hosted Opik (e.g. http://opik.internal:5173/api).
import { z } from "zod";
import { jsonBytes, packBatches } from "./batching";
import { defineDestination, field } from "./define";
import { deterministicUuidV7 } from "./ids";
import { compact, inputMessages, outputMessages, tagsOf, traceTree } from "./trace-document";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 100;
// Opik's backend takes requests up to tens of MB; batches stay small so a failure costs little.
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export function opikTraceUuid(t: OutboundTrace): string {
  const tree = traceTree(t);
  const startMs = Date.parse(t.timing.start);
  const msecs = t.trace.trace_id !== null ? startMs - (startMs % DAY_MS) : startMs;
  return deterministicUuidV7(msecs, `opik:trace:${tree.traceId}`);
}

function errorInfo(t: OutboundTrace) {
  return t.status === "error" ? { exception_type: t.error?.code ?? "Error", message: t.error?.message ?? "error", traceback: "" } : undefined;
}

function recordsFor(t: OutboundTrace, projectName: string) {
  const tree = traceTree(t);
  const startMs = Date.parse(t.timing.start);
  const traceUuid = opikTraceUuid(t);
  const input = inputMessages(t);
  const output = outputMessages(t);
  const tags = tagsOf(t);
  const ttft = t.timing.time_to_first_token_ms ?? undefined;
  const common = {
    project_name: projectName,
    start_time: t.timing.start,
    end_time: t.timing.end,
    tags: tags.length > 0 ? tags : undefined,
    error_info: errorInfo(t),
  };
  const trace = compact({
    id: traceUuid,
    ...common,
    name: tree.traceName,
    input: input ? { messages: input } : undefined,
    output: output ? { messages: output } : undefined,
    metadata: compact({
      ...t.metadata,
      tracecast_trace_id: tree.traceId,
      user_id: t.user ?? undefined,
      api_key_name: t.api_key_name ?? undefined,
      sampling_rate: t.sampling_rate,
    }),
    thread_id: t.session_id ?? undefined,
    ttft,
  });
  const spans: Record<string, unknown>[] = [];
  let parentUuid: string | undefined;
  if (tree.span) {
    parentUuid = deterministicUuidV7(startMs, `opik:span:${tree.span.id}`);
    spans.push(
      compact({
        id: parentUuid,
        trace_id: traceUuid,
        ...common,
        name: tree.span.name,
        type: "general",
        metadata: { ...t.metadata, tracecast_trace_id: tree.traceId, tracecast_observation_id: tree.span.id },
      }),
    );
  }
  const usage: Record<string, number> = {
    prompt_tokens: t.usage.input_tokens,
    completion_tokens: t.usage.output_tokens,
    total_tokens: t.usage.total_tokens,
  };
  if (t.usage.cached_tokens !== null) usage.cached_tokens = t.usage.cached_tokens;
  if (t.usage.reasoning_tokens !== null) usage.reasoning_tokens = t.usage.reasoning_tokens;
  spans.push(
    compact({
      id: deterministicUuidV7(startMs, `opik:span:${tree.generation.id}`),
      trace_id: traceUuid,
      parent_span_id: parentUuid,
      ...common,
      name: tree.generation.name,
      type: "llm",
      model: t.response.model ?? t.model,
      provider: t.provider ?? undefined,
      input: input ? compact({ messages: input, tools: t.request.tools.length > 0 ? t.request.tools : undefined }) : undefined,
      output: output ? { messages: output } : undefined,
      usage,
      total_estimated_cost: t.cost.total ?? undefined,
      ttft,
      metadata: compact({
        ...t.metadata,
        ...t.request.parameters,
        finish_reason: t.finish_reason ?? undefined,
        stream: t.stream,
        tracecast_trace_id: tree.traceId,
        tracecast_observation_id: tree.generation.id,
      }),
    }),
  );
  return { trace, spans };
}

export default defineDestination({
  type: "opik",
  name: "Comet Opik",
  category: "LLM observability",
  description: "Opik traces and LLM spans with usage, cost and the conversation.",
  docsUrl: "https://www.comet.com/docs/opik/reference/rest-api/traces/create-traces",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "Your Opik API key.", placeholder: "opik_…" }),
    workspace: field.text("Workspace", { help: "The Opik workspace name (sent as Comet-Workspace)." }),
    projectName: field.text("Project Name", { help: "The project the traces are logged to (created by Opik if missing)." }),
    baseUrl: field
      .url("Base Url", { help: "Opik Cloud by default; for self-hosted Opik, its API base (e.g. http://opik.internal:5173/api)." })
      .default("https://www.comet.com/opik/api"),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  encode(traces, config) {
    const base = config.baseUrl.replace(/\/+$/, "");
    const headers = { ...config.headers, "content-type": "application/json", authorization: config.apiKey, "comet-workspace": config.workspace };
    const records = traces.map((t) => recordsFor(t, config.projectName));
    // The larger of the two requests (spans) bounds the group: size both halves per trace.
    const groups = packBatches(records, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, (r) => Math.max(jsonBytes(r.trace), jsonBytes(r.spans)), 32);
    return groups.flatMap((group): OutboundRequest[] => [
      {
        method: "POST",
        url: `${base}/v1/private/traces/batch`,
        headers,
        body: JSON.stringify({ traces: group.map((r) => r.trace) }),
        traceCount: group.length,
      },
      {
        method: "POST",
        url: `${base}/v1/private/spans/batch`,
        headers,
        body: JSON.stringify({ spans: group.flatMap((r) => r.spans) }),
        traceCount: group.length,
      },
    ]);
  },
});

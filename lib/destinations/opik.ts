// Comet Opik through its REST API: `POST {baseUrl}/v1/private/traces/batch`, then
// `POST {baseUrl}/v1/private/spans/batch` (https://www.comet.com/docs/opik/reference/rest-api/traces/create-traces),
// headers `authorization: <apiKey>` (no Bearer) and `Comet-Workspace`.
//
// Opik requires UUIDv7 ids. A caller's trace_id that already is a UUIDv7 is kept as the Opik trace id
// (so it matches what the caller's own Opik SDK logs). Any other id is derived, not random:
// timestamp bits = a start time, remaining bits = sha256 of our id, so a retried batch writes the same
// ids and Opik updates instead of duplicating. Observations (spans) and a lone generation's trace take
// the generation's real start. A caller trace_id that is not a UUIDv7 may be shared by several
// generations delivered separately, and each must compute the same Opik trace id from what it carries:
// its id's timestamp is the UTC day of the generation (sending a UUIDv7 trace_id avoids this).
// Our original ids stay visible in metadata: `tracecast_trace_id` on traces and spans,
// `tracecast_observation_id` on spans (OpenRouter's `openrouter_trace_id` / `openrouter_observation_id`).
// `session_id` becomes the Opik thread; the user goes to trace metadata (`user_id`).
//
// `baseUrl` is an addition to OpenRouter's keys, for self-hosted Opik (e.g. http://opik.internal:5173/api).
import { z } from "zod";
import { jsonBytes, packBatches, refuseOversized } from "./batching";
import { defineDestination, field } from "./define";
import { deterministicUuidV7, validUuidV7 } from "./ids";
import { callerMetadata, compact, inputMessages, outputMessage, tagsOf, traceTree } from "./trace-document";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 100;
// Opik's backend takes requests up to tens of MB; batches stay small so a failure costs little.
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export function opikTraceUuid(t: OutboundTrace): string {
  const callerUuid = validUuidV7(t.trace.trace_id);
  if (callerUuid) return callerUuid;
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
  // Opik's OpenAI integration logs the call's arguments ({messages, tools}) as input and the first
  // choice's message as output; its UI renders both as a chat.
  const output = outputMessage(t);
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
    output,
    metadata: compact({
      ...t.metadata,
      tracecast_trace_id: tree.traceId,
      user_id: t.user ?? undefined,
      api_key_name: t.api_key_name ?? undefined,
      ...callerMetadata(t),
      sampling_rate: t.sampling_rate,
    }),
    thread_id: t.session_id ?? undefined,
    ttft,
  });
  const spans: Record<string, unknown>[] = [];
  // Inside the caller's own Opik trace (its UUIDv7 kept), a UUIDv7 parent_span_id is one of its spans.
  let parentUuid = traceUuid === t.trace.trace_id?.toLowerCase() ? validUuidV7(t.trace.parent_span_id) : undefined;
  if (tree.span) {
    const spanUuid = deterministicUuidV7(startMs, `opik:span:${tree.span.id}`);
    spans.push(
      compact({
        id: spanUuid,
        trace_id: traceUuid,
        parent_span_id: parentUuid,
        ...common,
        name: tree.span.name,
        type: "general",
        metadata: { ...t.metadata, tracecast_trace_id: tree.traceId, tracecast_observation_id: tree.span.id },
      }),
    );
    parentUuid = spanUuid;
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
      output,
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
    const groups = refuseOversized(
      packBatches(records, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, (r) => Math.max(jsonBytes(r.trace), jsonBytes(r.spans)), { overheadBytes: 32, separatorBytes: 1 }),
    );
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

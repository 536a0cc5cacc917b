// Galileo through its log-traces API: `POST {baseUrl}/projects/{projectId}/traces` with the
// `Galileo-API-Key` header, a batch of traces into one log stream
// (https://v2docs.galileo.ai/api-reference/trace/log-traces; the docs show the path under /v2, the
// `galileo` npm SDK's generated client posts it at the API root, as here).
//
// The body is what the SDK's GalileoLogger sends when it flushes (tests/destinations/galileo.test.ts records
// `galileo` 1.33.1 against a local server and compares field by field): `log_stream_id`,
// `reliable: true` (Galileo answers only once the traces are stored, and with an error otherwise),
// `is_complete: true`, and per trace `{type: "trace", id, name, input, output, created_at,
// user_metadata, tags, metrics, dataset_metadata, spans}` with one `llm` span (messages in, the
// assistant message out, model, temperature, tools, token counts and durations in `metrics`),
// inside a `workflow` span when the caller named a span. Authentication differs on purpose: the
// SDK trades the key for a session token (`POST /login/api_key`) before every flush; the API takes
// the key itself in `Galileo-API-Key` (the generated client's `apiKeyHeader` security), one request
// instead of two.
//
// Ids: Galileo wants UUIDs; they are derived from our ids (ids.ts), so a retried batch writes the
// same traces again, and the caller's ids are kept in `external_id` and `user_metadata`. Galileo's
// `user_metadata` holds strings only: numbers and booleans as text, objects as JSON. Sessions are
// Galileo objects created through another call, so the caller's session id is recorded in
// `user_metadata.session_id`. Galileo has no cost field on an LLM span: costs go there too.
// A request is all or nothing (`reliable`): a refused batch fails as a whole.
import { z } from "zod";
import { jsonBytes, packBatches } from "./batching";
import { defineDestination, field } from "./define";
import { deterministicUuid } from "./ids";
import { compact, contentText, inputMessages, outputMessages, tagsOf, traceTree } from "./trace-document";
import type { Message } from "@/lib/traces/schema";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 100;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type GalileoConfig = { apiKey: string; projectId: string; logStreamId: string; baseUrl: string; headers: Record<string, string> };

const ns = (ms: number) => Math.round(ms * 1_000_000);

/** Galileo's chat message: role and text content (tool calls and their ids kept). */
function galileoMessage(m: Message): Record<string, unknown> {
  return compact({
    role: m.role,
    content: contentText(m.content),
    tool_calls: m.tool_calls?.length ? m.tool_calls.map((c) => ({ id: c.id, function: { name: c.function.name, arguments: c.function.arguments } })) : undefined,
    tool_call_id: m.tool_call_id ?? undefined,
  });
}

/** user_metadata takes strings only. */
function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)]),
  );
}

/** The conversation's last user message as text (Galileo's trace input is a string). */
const lastText = (messages: Message[] | undefined, role?: string) => {
  const candidates = role ? (messages ?? []).filter((m) => m.role === role) : (messages ?? []);
  return contentText(candidates.at(-1)?.content ?? null);
};

export function galileoTrace(t: OutboundTrace): Record<string, unknown> {
  const tree = traceTree(t);
  const input = inputMessages(t);
  const output = outputMessages(t);
  const createdAt = new Date(t.timing.start).toISOString();
  const durationNs = ns(Date.parse(t.timing.end) - Date.parse(t.timing.start));
  const tags = tagsOf(t);
  const metadata = stringValues({
    ...t.metadata,
    trace_id: t.trace.trace_id ?? undefined,
    generation_id: t.id,
    session_id: t.session_id ?? undefined,
    user_id: t.user ?? undefined,
    api_key_name: t.api_key_name ?? undefined,
    provider: t.provider ?? undefined,
    requested_model: t.model,
    response_id: t.response.id ?? undefined,
    finish_reason: t.finish_reason ?? undefined,
    stream: t.stream,
    cost_input: t.cost.input ?? undefined,
    cost_output: t.cost.output ?? undefined,
    cost_total: t.cost.total ?? undefined,
    error: t.error?.message ?? undefined,
    sampling_rate: t.sampling_rate,
    is_test: t.is_test || undefined,
  });
  const temperature = t.request.parameters.temperature;
  const llm = compact({
    type: "llm",
    id: deterministicUuid(`galileo:${tree.generation.id}`),
    name: tree.generation.name,
    input: (input ?? []).map(galileoMessage),
    output: output && output.length > 0 ? galileoMessage(output.at(-1)!) : { role: "assistant", content: "" },
    created_at: createdAt,
    user_metadata: metadata,
    tags,
    metrics: compact({
      duration_ns: durationNs,
      num_input_tokens: t.usage.input_tokens,
      num_output_tokens: t.usage.output_tokens,
      num_total_tokens: t.usage.total_tokens,
      num_reasoning_tokens: t.usage.reasoning_tokens ?? undefined,
      num_cached_input_tokens: t.usage.cached_tokens ?? undefined,
      time_to_first_token_ns: t.timing.time_to_first_token_ms === null ? undefined : ns(t.timing.time_to_first_token_ms),
    }),
    dataset_metadata: {},
    model: t.response.model ?? t.model,
    temperature: typeof temperature === "number" ? temperature : undefined,
    tools: t.request.tools.length > 0 ? t.request.tools : undefined,
    status_code: t.status === "error" ? 500 : 200,
  });
  const spans = tree.span
    ? [
        {
          type: "workflow",
          id: deterministicUuid(`galileo:${tree.span.id}`),
          name: tree.span.name,
          input: lastText(input, "user"),
          output: lastText(output),
          created_at: createdAt,
          user_metadata: {},
          tags: [],
          metrics: { duration_ns: durationNs },
          dataset_metadata: {},
          spans: [llm],
        },
      ]
    : [llm];
  return {
    type: "trace",
    id: deterministicUuid(`galileo:${t.id}`),
    external_id: tree.traceId,
    name: tree.traceName,
    input: lastText(input, "user"),
    output: lastText(output),
    created_at: createdAt,
    user_metadata: metadata,
    tags,
    metrics: { duration_ns: durationNs },
    dataset_metadata: {},
    spans,
  };
}

/** Pure: the log-traces requests for a batch. */
export function galileoRequests(traces: OutboundTrace[], config: GalileoConfig): OutboundRequest[] {
  const items = traces.map(galileoTrace);
  const base = config.baseUrl.replace(/\/+$/, "");
  return packBatches(items, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, jsonBytes, { overheadBytes: 200, separatorBytes: 1 }).batches.map((group) => ({
    method: "POST",
    url: `${base}/projects/${config.projectId}/traces`,
    headers: { ...config.headers, "galileo-api-key": config.apiKey, "content-type": "application/json", "user-agent": "Tracecast/1.0" },
    body: JSON.stringify({ log_stream_id: config.logStreamId, reliable: true, is_complete: true, traces: group }),
    traceCount: group.length,
  }));
}

const uuidField = (label: string, help: string) => field.text(label, { help, pattern: UUID, patternMessage: `${label} must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`, max: 36 });

export default defineDestination({
  type: "galileo",
  name: "Galileo",
  category: "LLM observability",
  description: "Traces with LLM spans into a Galileo log stream, through its log-traces API.",
  docsUrl: "https://v2docs.galileo.ai/api-reference/trace/log-traces",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "Settings › API Keys in the Galileo console." }),
    projectId: uuidField("Project Id", "The project's id (its URL in the console: /project/<id>)."),
    logStreamId: uuidField("Log Stream Id", "The log stream's id (its URL in the console: /log-streams/<id>)."),
    baseUrl: field.url("Base Url", { help: "Your Galileo API URL; for a custom deployment, the console URL with console replaced by api." }).default("https://api.galileo.ai"),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  encode: (traces, config) => galileoRequests(traces, config),
});

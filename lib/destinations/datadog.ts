// Datadog LLM Observability through its HTTP spans API:
// `POST https://api.<site>/api/intake/llm-obs/v1/trace/spans` with `DD-API-KEY`
// (https://docs.datadoghq.com/llm_observability/instrumentation/api/). The site is chosen from
// Datadog's list (https://docs.datadoghq.com/getting_started/site/); a custom URL (a proxy, or a
// destination stored when the setting was a raw URL) takes its place when set.
//
// Spans: a `workflow` root named after trace_name (when given), a `workflow` span for span_name (when
// given) and the `llm` span for the generation. Ids: trace_id = sha256(trace id)[:32] hex (the same
// derivation as our OTLP ids), span_id = 64-bit decimal of sha256(observation id), so retries resend
// identical ids. Tags `service:{ml_app}` on the payload; `user_id:`, `env:` (metadata.environment, else
// metadata.env) and `version:` (metadata.release) per span, because one request carries spans of
// several traces. A tool message keeps its tool_call_id as a `tool_results` entry's `tool_id`, the
// message shape Datadog documents for function-calling results.
// Custom metadata goes to `meta.metadata` (Datadog accepts only scalar values there: objects are
// JSON-encoded).
//
// Datadog rejects spans older than 24 hours: such a trace fails permanently without being sent
// (`refuses`), while the fresh traces of its batch are delivered, so a backlog older than a day is
// reported instead of being retried forever.
//
// `start_ns`/`duration` are nanosecond integers; epochs in ns exceed 2^53, so they are spliced into
// the JSON text from BigInt strings instead of going through JSON.stringify as Numbers.
import { z } from "zod";
import { packBatches, refuseOversized } from "./batching";
import { defineDestination, field } from "./define";
import { decimalSpanId, hexTraceId } from "./ids";
import { contentText, environmentOf, inputMessages, outputMessages, releaseOf, traceTree } from "./trace-document";
import type { Message } from "@/lib/traces/schema";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 50;
// The intake documents no size; the Datadog SDKs flush well under 5 MB per request.
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const MAX_SPAN_AGE_MS = 24 * 60 * 60 * 1000;
const NS_PER_MS = 1_000_000n;

type DatadogMessage = {
  role: string;
  content: string;
  tool_calls?: { name: string; arguments: unknown; tool_id?: string; type: string }[];
  tool_results?: { result: string; tool_id?: string; name?: string; type: string }[];
};

/** Datadog's sites and their API hosts (https://docs.datadoghq.com/getting_started/site/). */
export const DATADOG_SITES = {
  US1: "https://api.datadoghq.com",
  US3: "https://api.us3.datadoghq.com",
  US5: "https://api.us5.datadoghq.com",
  EU1: "https://api.datadoghq.eu",
  AP1: "https://api.ap1.datadoghq.com",
  AP2: "https://api.ap2.datadoghq.com",
  "US1-FED": "https://api.ddog-gov.com",
} as const;
type DatadogSite = keyof typeof DATADOG_SITES;
const SITE_NAMES = Object.keys(DATADOG_SITES) as [DatadogSite, ...DatadogSite[]];

function parseArguments(raw: string | undefined): unknown {
  if (raw === undefined || raw === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    return { raw };
  }
}

function datadogMessages(messages: Message[]): DatadogMessage[] {
  return messages.map((m) => {
    if ((m.role === "tool" || m.role === "function") && m.tool_call_id) {
      return {
        role: m.role,
        content: "",
        tool_results: [{ result: contentText(m.content), tool_id: m.tool_call_id, ...(m.name ? { name: m.name } : {}), type: "tool_result" }],
      };
    }
    const out: DatadogMessage = { role: m.role, content: contentText(m.content) };
    if (m.tool_calls && m.tool_calls.length > 0) {
      out.tool_calls = m.tool_calls.map((c) => ({
        name: c.function.name,
        arguments: parseArguments(c.function.arguments),
        ...(c.id ? { tool_id: c.id } : {}),
        type: c.type ?? "function",
      }));
    }
    return out;
  });
}

/** Datadog's `meta.metadata` takes string/number/boolean values only. */
function scalarMetadata(values: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : JSON.stringify(value);
  }
  return out;
}

/** The span as JSON text with the exact nanosecond integers appended. */
function spanJson(span: Record<string, unknown>, startNs: bigint, durationNs: bigint): string {
  const json = JSON.stringify(span);
  return `${json.slice(0, -1)},"start_ns":${startNs.toString()},"duration":${durationNs.toString()}}`;
}

function spansFor(t: OutboundTrace, mlApp: string): string[] {
  const tree = traceTree(t);
  const traceId = hexTraceId(tree.traceId);
  const startNs = BigInt(Date.parse(t.timing.start)) * NS_PER_MS;
  const durationNs = BigInt(Math.max(0, Math.round(t.timing.duration_ms))) * NS_PER_MS;
  const input = inputMessages(t);
  const output = outputMessages(t);
  const tags = [`service:${mlApp}`, ...(t.user ? [`user_id:${t.user}`] : [])];
  const environment = environmentOf(t);
  const release = releaseOf(t);
  if (environment) tags.push(`env:${environment}`);
  if (release) tags.push(`version:${release}`);
  const status = t.status;
  const error = t.status === "error" ? { message: t.error?.message ?? "error", ...(t.error?.code ? { type: t.error.code } : {}) } : undefined;
  const lastUser = input?.filter((m) => m.role === "user").at(-1);
  const workflowIo = {
    ...(lastUser ? { input: { value: contentText(lastUser.content) } } : {}),
    ...(output ? { output: { value: output.map((m) => contentText(m.content)).join("\n") } } : {}),
  };
  const common = { trace_id: traceId, status, tags, ...(t.session_id ? { session_id: t.session_id } : {}) };

  const spans: string[] = [];
  let parentId = "undefined";
  if (t.trace.trace_name !== null) {
    const id = decimalSpanId(`trace:${tree.traceId}`);
    spans.push(spanJson({ ...common, span_id: id, parent_id: parentId, name: tree.traceName, meta: { kind: "workflow", ...workflowIo, ...(error ? { error } : {}) } }, startNs, durationNs));
    parentId = id;
  }
  if (tree.span) {
    const id = decimalSpanId(tree.span.id);
    spans.push(spanJson({ ...common, span_id: id, parent_id: parentId, name: tree.span.name, meta: { kind: "workflow", ...(error ? { error } : {}) } }, startNs, durationNs));
    parentId = id;
  }
  const metrics: Record<string, number> = {
    input_tokens: t.usage.input_tokens,
    output_tokens: t.usage.output_tokens,
    total_tokens: t.usage.total_tokens,
  };
  if (t.usage.cached_tokens !== null) metrics.cache_read_input_tokens = t.usage.cached_tokens;
  if (t.usage.reasoning_tokens !== null) metrics.reasoning_output_tokens = t.usage.reasoning_tokens;
  if (t.timing.time_to_first_token_ms !== null) metrics.time_to_first_token = t.timing.time_to_first_token_ms / 1000;
  const metadata = scalarMetadata({
    ...t.request.parameters,
    ...t.metadata,
    finish_reason: t.finish_reason,
    stream: t.stream,
    input_cost_usd: t.cost.input,
    output_cost_usd: t.cost.output,
    total_cost_usd: t.cost.total,
    "tracecast.generation_id": t.id,
    "tracecast.trace_id": tree.traceId,
    "sampling.rate": t.sampling_rate,
  });
  spans.push(
    spanJson(
      {
        ...common,
        span_id: decimalSpanId(tree.generation.id),
        parent_id: parentId,
        name: tree.generation.name,
        meta: {
          kind: "llm",
          model_name: t.response.model ?? t.model,
          ...(t.provider ? { model_provider: t.provider } : {}),
          ...(input ? { input: { messages: datadogMessages(input) } } : {}),
          ...(output ? { output: { messages: datadogMessages(output) } } : {}),
          metadata,
          ...(error ? { error } : {}),
        },
        metrics,
      },
      startNs,
      durationNs,
    ),
  );
  return spans;
}

type DatadogConfig = { apiKey: string; mlApp: string; site: DatadogSite; url?: string; headers: Record<string, string> };

/** Where the spans go: the custom URL when one is set, else the chosen site's API host. */
export const intakeBase = (config: Pick<DatadogConfig, "site" | "url">) => (config.url ?? DATADOG_SITES[config.site]).replace(/\/+$/, "");

function encodeDatadog(traces: OutboundTrace[], config: DatadogConfig): OutboundRequest[] {
  const perTrace = traces.map((t) => spansFor(t, config.mlApp));
  const attributes = JSON.stringify({ ml_app: config.mlApp, tags: [`service:${config.mlApp}`, "source:tracecast"] });
  const open = `{"data":{"type":"span","attributes":${attributes.slice(0, -1)},"spans":[`;
  const close = "]}}}";
  const groups = refuseOversized(
    packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: MAX_BATCH_BYTES }, (spans) => spans.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0), {
      overheadBytes: Buffer.byteLength(open + close),
    }),
  );
  return groups.map((group) => ({
    method: "POST",
    url: `${intakeBase(config)}/api/intake/llm-obs/v1/trace/spans`,
    headers: { ...config.headers, "content-type": "application/json", "dd-api-key": config.apiKey },
    body: `${open}${group.flat().join(",")}${close}`,
    traceCount: group.length,
  }));
}

const datadog = defineDestination({
  type: "datadog",
  name: "Datadog",
  category: "LLM observability",
  description: "Datadog LLM Observability: workflow and LLM spans with tokens, latency and the conversation.",
  docsUrl: "https://docs.datadoghq.com/llm_observability/instrumentation/api/",
  config: z.object({
    apiKey: field.secret("Api Key", {
      help: "An API key (Organization settings › API keys), created on the site chosen below: a key works only on its own site.",
      rules: [
        { pattern: /^[0-9a-f]{40}$/i, forbid: true, message: "This looks like an application key (40 characters): the intake takes an API key (32 characters, Organization settings › API keys)" },
        { pattern: /^[0-9a-f]{32}$/i, message: "Api Key must be a Datadog API key: 32 hexadecimal characters" },
      ],
    }),
    mlApp: field.text("Ml App", {
      help: "The ML application name the spans are grouped under (lowercase letters, digits and _ - : . /).",
      placeholder: "my-llm-app",
      pattern: /^[a-z0-9_\-:./]+$/,
      patternMessage: "Ml App may only contain lowercase letters, digits and _ - : . /",
      max: 193,
    }),
    site: field
      .select("Site", SITE_NAMES, {
        help:
          "The Datadog site your organization is on (the host of your Datadog URL: US1 app.datadoghq.com, EU1 app.datadoghq.eu…). " +
          "US5 by default, as in OpenRouter's Broadcast, so a configuration moved from there keeps its target; Datadog's own SDKs default to US1. " +
          "Datadog does not offer LLM Observability on US1-FED.",
        labels: {
          US1: "US1 (datadoghq.com)",
          US3: "US3 (us3.datadoghq.com)",
          US5: "US5 (us5.datadoghq.com)",
          EU1: "EU1 (datadoghq.eu)",
          AP1: "AP1 (ap1.datadoghq.com)",
          AP2: "AP2 (ap2.datadoghq.com)",
          "US1-FED": "US1-FED (ddog-gov.com)",
        },
      })
      .default("US5"),
    url: field
      .url("Custom URL", { help: "Optional: send to this base URL instead of the site's API host (a proxy in front of Datadog).", placeholder: "https://dd-proxy.internal" })
      .optional(),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  encode: encodeDatadog,
  refuses: (trace, now) =>
    Date.parse(trace.timing.start) < now.getTime() - MAX_SPAN_AGE_MS
      ? `Datadog only accepts spans up to 24 hours old; this trace started at ${trace.timing.start}`
      : undefined,
});

export default datadog;

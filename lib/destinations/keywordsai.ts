// Keywords AI (now also branded Respan): its request-logging API, `POST {baseUrl}/request-logs/` with
// `Authorization: Bearer <API key>`, one log per request
// (https://docs.keywordsai.co/api-endpoints/observe/logs/request-logging-endpoint; the older
// `/request-logs/create/` is an alias of it). The fields are the ones that page documents, typed as
// `@keywordsai/keywordsai-sdk` types them (its KeywordsAIParamsSchema / BasicLLMParamsSchema:
// tests/destinations/keywordsai.test.ts checks every field Tracecast sends against them).
//
// A log is one LLM call: prompt_messages / completion_message in OpenAI's chat format (tool calls
// included), usage and tokens, cost (Keywords AI has one cost per log, no input/output split), latency
// and time to first token in seconds, the user as customer_identifier, the conversation as
// thread_identifier, and the trace as Keywords AI's tracing fields (trace_unique_id, span_workflow_name,
// span_unique_id, span_name, span_parent_id). Only the caller's own parent span is named as parent:
// Tracecast's named span is not a log of its own, so its name goes in metadata.
import { z } from "zod";
import { defineDestination, field } from "./define";
import { deliverOnePerRequest } from "./one-per-request";
import { compact, inputMessages, openAiUsage, outputMessages, traceTree } from "./trace-document";
import type { OutboundRequest, OutboundTrace } from "./types";

/**
 * The request parameters Keywords AI's log takes as fields of its own, with their types. Other fields of
 * the log steer Keywords AI (`disable_log`, fallbacks, prompts, integrations): a caller's parameter must
 * never become one, so any other parameter, or one of another type, goes in `metadata.parameters`.
 */
const LLM_PARAMETERS: Record<string, "number" | "boolean" | "string"> = {
  temperature: "number",
  top_p: "number",
  max_tokens: "number",
  max_completion_tokens: "number",
  frequency_penalty: "number",
  presence_penalty: "number",
  n: "number",
  top_logprobs: "number",
  logprobs: "boolean",
  parallel_tool_calls: "boolean",
  stop: "string",
  reasoning_effort: "string",
};

function splitParameters(parameters: OutboundTrace["request"]["parameters"]) {
  const fields: Record<string, unknown> = {};
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (Object.hasOwn(LLM_PARAMETERS, key) && typeof value === LLM_PARAMETERS[key]) fields[key] = value;
    else other[key] = value;
  }
  return { fields, other: Object.keys(other).length > 0 ? other : undefined };
}

/** The log body for one trace. */
export function keywordsAiLog(t: OutboundTrace): Record<string, unknown> {
  const tree = traceTree(t);
  const parameters = splitParameters(t.request.parameters);
  const output = outputMessages(t);
  const ttft = t.timing.time_to_first_token_ms;
  return compact({
    ...parameters.fields,
    log_type: "chat",
    model: t.response.model ?? t.model,
    provider_id: t.provider ?? undefined,
    prompt_messages: inputMessages(t),
    completion_message: output?.[0],
    completion_messages: output && output.length > 1 ? output : undefined,
    tools: t.request.tools.length > 0 ? t.request.tools : undefined,
    tool_choice: t.request.tool_choice,
    stream: t.stream ?? undefined,
    prompt_tokens: t.usage.input_tokens,
    completion_tokens: t.usage.output_tokens,
    prompt_cache_hit_tokens: t.usage.cached_tokens ?? undefined,
    usage: openAiUsage(t),
    cost: t.cost.total ?? undefined,
    latency: t.timing.duration_ms / 1000,
    time_to_first_token: ttft !== null ? ttft / 1000 : undefined,
    start_time: t.timing.start,
    timestamp: t.timing.end,
    status_code: t.status === "error" ? (t.error?.status ?? 500) : 200,
    error_message: t.status === "error" ? (t.error?.message ?? "error") : undefined,
    customer_identifier: t.user ?? undefined,
    thread_identifier: t.session_id ?? undefined,
    custom_identifier: t.id,
    response_id: t.response.id ?? undefined,
    trace_unique_id: tree.traceId,
    span_workflow_name: tree.grouped ? tree.traceName : undefined,
    span_unique_id: t.id,
    span_name: tree.generation.name,
    span_parent_id: t.trace.parent_span_id ?? undefined,
    metadata: compact({
      ...t.metadata,
      finish_reason: t.finish_reason ?? undefined,
      span: tree.span?.name,
      api_key_name: t.api_key_name ?? undefined,
      sampling_rate: t.sampling_rate,
      parameters: parameters.other,
    }),
  });
}

type KeywordsAiConfig = { apiKey: string; baseUrl: string; headers: Record<string, string> };

function requestOf(t: OutboundTrace, config: KeywordsAiConfig): OutboundRequest {
  return {
    method: "POST",
    url: `${config.baseUrl.replace(/\/+$/, "")}/request-logs/`,
    headers: { ...config.headers, "content-type": "application/json", authorization: `Bearer ${config.apiKey}` },
    body: JSON.stringify(keywordsAiLog(t)),
    traceCount: 1,
  };
}

export default defineDestination({
  type: "keywordsai",
  name: "Keywords AI",
  category: "LLM observability",
  description: "Request logs in Keywords AI (Respan): messages, tool calls, tokens, cost, latency, users, threads and traces.",
  docsUrl: "https://docs.keywordsai.co/api-endpoints/observe/logs/request-logging-endpoint",
  config: z.object({
    apiKey: field.secret("API Key", { help: "Settings › API Keys in Keywords AI." }),
    baseUrl: field
      .url("Base URL", { help: "Keywords AI's API. Enterprise: https://endpoint.keywordsai.co/api." })
      .default("https://api.keywordsai.co/api"),
    headers: field.headers(),
  }),
  // The endpoint takes one log per request.
  maxBatch: 1,
  encode: (traces, config) => traces.map((t) => requestOf(t, config)),
  deliver: (traces, config, ctx) => deliverOnePerRequest(traces, (t) => requestOf(t, config), ctx),
});

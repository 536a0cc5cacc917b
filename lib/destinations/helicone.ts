// Helicone: its custom-model logging API, `POST {baseUrl}/custom/v1/log` with `Authorization:
// Bearer <Helicone API key>`, one log per request
// (https://docs.helicone.ai/getting-started/integration-method/manual-logger-curl), which is what
// `@helicone/helpers`' HeliconeManualLogger sends (tests/destinations/helicone.test.ts records it).
//
// The body is { providerRequest: { url: "custom-model-nopath", json, meta }, providerResponse:
// { json, status, headers }, timing: { startTime, endTime: {seconds, milliseconds}, timeToFirstToken } }.
// `json` is the OpenAI chat request and the chat completion of the call, the shapes Helicone reads
// model, messages, tool calls, finish reason and token usage from (it prices the call itself from the
// model and the tokens; there is no cost field). Helicone features ride on `Helicone-*` headers
// (https://docs.helicone.ai/helicone-headers/header-directory): user, session (Helicone's sessions are
// the runs a trace groups), request id, custom properties. The SDK sends them as HTTP headers; Helicone's
// worker also reads them from `providerRequest.meta` (merged with the request's headers), and only there
// can a value outside printable ASCII travel, so they go in `meta` always and as headers when they can.
// EU keys carry an `eu-` mark that Helicone's edge routes by, so one host serves both regions.
import { z } from "zod";
import { DeliveryError } from "@/lib/outbound/errors";
import { defineDestination, field } from "./define";
import { deterministicUuid } from "./ids";
import { deliverOnePerRequest, jsonWithin } from "./one-per-request";
import { compact, inputMessages, openAiUsage, outputMessages, traceTree } from "./trace-document";
import type { HttpResult, OutboundRequest, OutboundTrace } from "./types";

/** Helicone's worker answers 400 "Payload too large" above 10 MB. */
const MAX_LOG_BYTES = 10 * 1024 * 1024;
/** A Helicone-* value goes in an HTTP header too only when printable ASCII and this short… */
const MAX_HEADER_VALUE = 1000;
/** …and while the Helicone-* headers stay under this in all (servers refuse large header blocks with 431). */
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_SAFE = /^[\x20-\x7e]*$/;

const metadataText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
/** A metadata key as the name part of a header (token characters only). */
const propertyName = (key: string) => key.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]/g, "-");

/** The Helicone-* headers for one trace, by name. */
export function heliconeHeaders(t: OutboundTrace): Record<string, string> {
  const tree = traceTree(t);
  // A Helicone session groups the requests of one run: the caller's trace_id, else its conversation (session_id).
  const sessionId = t.trace.trace_id ?? t.session_id;
  const headers: Record<string, string | undefined> = {
    "Helicone-Request-Id": deterministicUuid(t.delivery_id),
    "Helicone-User-Id": t.user ?? undefined,
    "Helicone-Session-Id": sessionId ?? undefined,
    "Helicone-Session-Name": sessionId ? tree.traceName : undefined,
    "Helicone-Session-Path": sessionId ? `/${[tree.span?.name, tree.generation.name].filter(Boolean).join("/")}` : undefined,
  };
  for (const [key, value] of Object.entries(t.metadata)) headers[`Helicone-Property-${propertyName(key)}`] = metadataText(value);
  Object.assign(headers, {
    "Helicone-Property-Tracecast-Generation-Id": t.id,
    "Helicone-Property-Tracecast-Session-Id": t.session_id !== null && t.session_id !== sessionId ? t.session_id : undefined,
    "Helicone-Property-Tracecast-Provider": t.provider ?? undefined,
    "Helicone-Property-Tracecast-Api-Key": t.api_key_name ?? undefined,
    "Helicone-Property-Tracecast-Cost-Usd": t.cost.total !== null ? String(t.cost.total) : undefined,
  });
  return compact(headers) as Record<string, string>;
}

const timeOf = (ms: number) => ({ seconds: Math.trunc(ms / 1000), milliseconds: ms % 1000 });

/** The log body for one trace. */
export function heliconeLog(t: OutboundTrace): Record<string, unknown> {
  const start = Date.parse(t.timing.start);
  const end = Date.parse(t.timing.end);
  const output = outputMessages(t);
  const model = t.response.model ?? t.model;
  const request = compact({
    ...t.request.parameters,
    model: t.model,
    messages: inputMessages(t),
    tools: t.request.tools.length > 0 ? t.request.tools : undefined,
    tool_choice: t.request.tool_choice,
    stream: t.stream ?? undefined,
  });
  const response =
    t.status === "error"
      ? { error: compact({ message: t.error?.message ?? "error", code: t.error?.code }), model }
      : compact({
          id: t.response.id ?? undefined,
          object: "chat.completion",
          created: Math.trunc(end / 1000),
          model,
          choices: output?.map((message, index) => ({ index, message, finish_reason: t.finish_reason })),
          usage: openAiUsage(t),
        });
  const status = t.status === "error" ? (t.error?.status ?? 500) : 200;
  const ttft = t.timing.time_to_first_token_ms;
  return {
    providerRequest: { url: "custom-model-nopath", json: request, meta: heliconeHeaders(t) },
    providerResponse: { json: response, status, headers: {} },
    timing: compact({ startTime: timeOf(start), endTime: timeOf(end), timeToFirstToken: ttft !== null ? Math.round(ttft) : undefined }),
  };
}

type HeliconeConfig = { apiKey: string; baseUrl: string; headers: Record<string, string> };

function requestOf(t: OutboundTrace, config: HeliconeConfig): OutboundRequest {
  // In order: request id, user and session first, so a trace with many properties keeps those as headers.
  let budget = MAX_HEADER_BYTES;
  const helicone = Object.entries(heliconeHeaders(t)).filter(([name, value]) => {
    if (value.length > MAX_HEADER_VALUE || !HEADER_SAFE.test(value)) return false;
    budget -= name.length + value.length + 4;
    return budget >= 0;
  });
  return {
    method: "POST",
    url: `${config.baseUrl.replace(/\/+$/, "")}/custom/v1/log`,
    headers: { ...config.headers, ...Object.fromEntries(helicone), "content-type": "application/json", authorization: `Bearer ${config.apiKey}` },
    body: jsonWithin(heliconeLog(t), MAX_LOG_BYTES),
    traceCount: 1,
  };
}

/** Helicone answers 200 `{"error": …}` when it could not store the log (its database refused it): worth retrying. */
function storageFailure(result: HttpResult): DeliveryError | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(result.body);
  } catch {
    return undefined; // "ok" and other plain-text successes
  }
  const error = typeof answer === "object" && answer !== null ? (answer as { error?: unknown }).error : undefined;
  if (error === undefined || error === null) return undefined;
  return new DeliveryError("http", `Helicone did not store the log: ${metadataText(error).slice(0, 300)}`, { retryable: true, status: result.status, responseBody: result.body });
}

export default defineDestination({
  type: "helicone",
  name: "Helicone",
  category: "LLM observability",
  description: "Requests in Helicone with messages, tool calls, tokens, latency, users, sessions and custom properties.",
  docsUrl: "https://docs.helicone.ai/getting-started/integration-method/manual-logger-curl",
  config: z.object({
    apiKey: field.secret("API Key", {
      placeholder: "sk-helicone-…",
      help: "Settings › API Keys in Helicone. EU keys (…-eu-…) are routed to the EU by Helicone.",
      rules: [
        { pattern: /^sk-(proj|svcacct|admin|ant)-/, forbid: true, message: "This is an OpenAI or Anthropic key: use a Helicone API key" },
        { pattern: /^(sk|pk)-\S+$/, message: "A Helicone API key starts with sk- or pk-" },
      ],
    }),
    baseUrl: field
      .url("Base URL", { help: "Helicone's logging host, or your self-hosted Helicone (e.g. http://localhost:8585/v1/trace)." })
      .default("https://api.worker.helicone.ai"),
    headers: field.headers(),
  }),
  // The endpoint takes one log per request.
  maxBatch: 1,
  encode: (traces, config) => traces.map((t) => requestOf(t, config)),
  deliver: (traces, config, ctx) => deliverOnePerRequest(traces, (t) => requestOf(t, config), ctx, storageFailure),
});

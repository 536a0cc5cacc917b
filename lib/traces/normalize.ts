// TraceInput (validated by lib/traces/schema.ts) → Trace, the normalized form that is stored and
// handed to every encoder; and privacy mode. Both are pure functions of their arguments (the only
// source of randomness, the generated id, is injectable).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { stripMultimodal } from "@/lib/traces/content";
import { LIMITS, TRACE_KNOWN_KEYS, type Message, type ParsedTraceInput, type ToolDefinition, type Trace, type TraceSource } from "@/lib/traces/schema";

export type NormalizeContext = {
  /** Name of the API key that sent the trace (filters, S3 paths). */
  apiKeyName: string | null;
  receivedAt: Date;
  /** Value of the `x-session-id` request header, already validated (see sessionIdHeader). */
  headerSessionId?: string;
  /** What the request that carried the trace says about the calling app, for what the trace itself does not say. */
  caller?: CallerFacts;
  /** Default "api". */
  source?: TraceSource;
  isTest?: boolean;
  /** Id generator for traces without an `id`; default `gen-<uuid>`. */
  newId?: () => string;
};

export const newTraceId = () => `gen-${randomUUID()}`;

/** The calling app as a request's headers describe it (callerFacts) and, for the capture proxy, its upstream. */
export type CallerFacts = { appName?: string; appUrl?: string; userAgent?: string; upstream?: string };

/** A header's value cut to `max` characters; blank counts as absent. */
function headerValue(headers: Pick<Headers, "get">, name: string, max: number): string | undefined {
  const value = headers.get(name)?.trim();
  return value ? value.slice(0, max) : undefined;
}

/**
 * OpenRouter's app attribution headers: X-Title names the app, HTTP-Referer (or Referer) its
 * site; with `userAgent`, the caller's User-Agent too (the capture proxy: the app's own client. The
 * JSON API's User-Agent is whatever ships the traces, not the app's client, so it is not taken).
 * Over-long values are cut, not refused: they describe the call, they are not the call.
 */
export function callerFacts(headers: Pick<Headers, "get">, opts: { userAgent?: boolean } = {}): CallerFacts {
  return {
    appName: headerValue(headers, "x-title", LIMITS.nameLength),
    appUrl: headerValue(headers, "http-referer", LIMITS.urlLength) ?? headerValue(headers, "referer", LIMITS.urlLength),
    userAgent: opts.userAgent ? headerValue(headers, "user-agent", LIMITS.userAgentLength) : undefined,
  };
}

/**
 * The `x-session-id` header: same limit as the body's `session_id`. Blank counts as absent.
 * Parse it with `headerSchema` so an over-long value is a 400 naming `x-session-id`.
 */
export const sessionIdHeader = z
  .string()
  .trim()
  .max(LIMITS.sessionIdLength, `x-session-id must be at most ${LIMITS.sessionIdLength} characters`)
  .transform((v) => v || undefined)
  .optional();

/** Sum of two costs without binary floating-point noise (0.1 + 0.2 → 0.3, not 0.30000000000000004). */
function addCosts(a: number, b: number): number {
  return Number((a + b).toPrecision(15));
}

export function normalizeTrace(input: ParsedTraceInput, ctx: NormalizeContext): Trace {
  const usage = input.usage ?? {};
  const inputTokens = usage.input_tokens ?? usage.prompt_tokens ?? 0;
  const outputTokens = usage.output_tokens ?? usage.completion_tokens ?? 0;

  const costIn = input.cost?.input ?? null;
  const costOut = input.cost?.output ?? null;
  // A total is only derived when both parts are known: a missing part is unknown, not zero.
  const costTotal = input.cost?.total ?? (costIn !== null && costOut !== null ? addCosts(costIn, costOut) : null);

  const { start, end } = input.timing;

  const metadata: Record<string, unknown> = {};
  const known = new Set<string>(TRACE_KNOWN_KEYS);
  for (const [key, value] of Object.entries(input.trace ?? {})) {
    if (!known.has(key) && value !== undefined) metadata[key] = value;
  }

  return {
    id: input.id ?? (ctx.newId ?? newTraceId)(),
    model: input.model,
    provider: input.provider ?? null,
    request: {
      messages: stripMultimodal(input.request.messages),
      tools: input.request.tools ?? [],
      ...(input.request.tool_choice !== undefined ? { tool_choice: input.request.tool_choice } : {}),
      parameters: input.request.parameters ?? {},
    },
    response: {
      id: input.response?.id ?? null,
      model: input.response?.model ?? null,
      messages: stripMultimodal(input.response?.messages ?? []),
    },
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: usage.total_tokens ?? inputTokens + outputTokens,
      cached_tokens: usage.cached_tokens ?? null,
      reasoning_tokens: usage.reasoning_tokens ?? null,
    },
    cost: { input: costIn, output: costOut, total: costTotal },
    timing: {
      start: start.toISOString(),
      end: end.toISOString(),
      duration_ms: end.getTime() - start.getTime(),
      time_to_first_token_ms: input.timing.time_to_first_token_ms ?? null,
    },
    finish_reason: input.finish_reason ?? null,
    stream: input.stream ?? false,
    // An explicit status wins; otherwise a reported error means the generation failed.
    status: input.status ?? (input.error ? "error" : "ok"),
    error: input.error ?? null,
    user: input.user ?? null,
    // The body wins over the header (OpenRouter's rule).
    session_id: input.session_id ?? ctx.headerSessionId ?? null,
    trace: {
      trace_id: input.trace?.trace_id ?? null,
      trace_name: input.trace?.trace_name ?? null,
      span_name: input.trace?.span_name ?? null,
      generation_name: input.trace?.generation_name ?? null,
      parent_span_id: input.trace?.parent_span_id ?? null,
    },
    metadata,
    api_key_name: ctx.apiKeyName,
    // The body wins over the request's headers, as for the session.
    app: { name: input.app?.name ?? ctx.caller?.appName ?? null, url: input.app?.url ?? ctx.caller?.appUrl ?? null },
    user_agent: input.user_agent ?? ctx.caller?.userAgent ?? null,
    source: ctx.source ?? "api",
    upstream: ctx.caller?.upstream ?? null,
    received_at: ctx.receivedAt.toISOString(),
    is_test: ctx.isTest ?? false,
  };
}

/** What privacy mode puts where text was removed. */
export const PRIVACY_REDACTED = "[redacted: privacy mode]";

function privateMessage(m: Message): Message {
  // Rebuilt from an allow-list, so provider-specific keys (audio, images, annotations, refusal…)
  // that may carry content are dropped rather than having to be known.
  const out: Message = { role: m.role, content: null };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls) {
    out.tool_calls = m.tool_calls.map((c) => ({
      ...(c.id !== undefined ? { id: c.id } : {}),
      ...(c.type !== undefined ? { type: c.type } : {}),
      function: { name: c.function.name },
    }));
  }
  return out;
}

function privateTool(t: ToolDefinition): ToolDefinition {
  return { type: t.type, function: { name: t.function.name } };
}

/**
 * Privacy mode (per destination, applied at delivery): the destination receives no prompt or
 * completion text, but everything needed to monitor usage. Precisely:
 *
 * Removed
 * - every message's content (set to null), reasoning, tool-call arguments and any
 *   provider-specific message keys (audio, images, annotations, …), in the request and response;
 * - tool definitions' descriptions and JSON-schema parameters (prompt engineering that may embed
 *   data); the tool names stay;
 * - the error message (replaced by PRIVACY_REDACTED): provider errors often quote the input
 *   ("Invalid JSON in tool arguments: …", content-policy refusals). Error code and HTTP status stay.
 *
 * Kept
 * - message roles, order, participant names and tool_call ids (the shape of the conversation);
 * - tool names (definitions, calls, tool_choice); model parameters (temperature, max_tokens, …);
 * - model, provider, response id/model, tokens, cost, timing, finish reason, stream, status;
 * - user, session id, trace/span/generation names and ids, custom metadata, API key name
 *   (identity and metadata are what the caller chose to tag the trace with; OpenRouter keeps
 *   them too).
 */
export function applyPrivacy(trace: Trace): Trace {
  return {
    ...trace,
    request: {
      ...trace.request,
      messages: trace.request.messages.map(privateMessage),
      tools: trace.request.tools.map(privateTool),
    },
    response: { ...trace.response, messages: trace.response.messages.map(privateMessage) },
    error: trace.error ? { ...trace.error, message: PRIVACY_REDACTED } : null,
  };
}

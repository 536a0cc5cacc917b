// The trace model: what apps send to POST /api/v1/traces (TraceInput) and what Tracecast stores
// and hands to every destination encoder (Trace). zod at the boundary; exported for reuse
// (ingest route, proxy, tests, encoders).
import { z } from "zod";

export const LIMITS = {
  userLength: 128,
  sessionIdLength: 128,
  idLength: 128,
  nameLength: 256,
  modelLength: 256,
  urlLength: 2048,
  userAgentLength: 512,
  messagesPerTrace: 2000,
  tracesPerBatch: 500,
  /** Request body limit of the ingest API (bytes). */
  bodyBytes: Number(process.env.TRACECAST_MAX_BODY_BYTES ?? 5 * 1024 * 1024),
} as const;

const nonNegInt = z.number().int().nonnegative();
const nonNegNum = z.number().nonnegative().finite();

/** ISO-8601 string or epoch milliseconds → Date. */
export const timestamp = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().positive().max(8.64e15),
]).transform((v) => new Date(v));

// Content parts follow the OpenAI chat format. Non-text parts are accepted and later replaced by
// a placeholder (lib/traces/normalize.ts), so any part type passes validation here.
const contentPart = z.looseObject({ type: z.string().min(1).max(64) });
export const messageContent = z.union([z.string(), z.array(contentPart), z.null()]);

export const toolCall = z.looseObject({
  id: z.string().max(256).optional(),
  type: z.string().max(64).optional(),
  function: z.object({ name: z.string().max(256), arguments: z.string().optional() }),
});

export const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: messageContent.optional(),
  name: z.string().max(256).optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().max(256).optional(),
  reasoning: z.string().nullable().optional(),
});

export const toolDefinition = z.looseObject({
  type: z.string().max(64).default("function"),
  function: z.looseObject({
    name: z.string().min(1).max(256),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Known keys of the free-form `trace` object; every other key is custom metadata. */
export const TRACE_KNOWN_KEYS = ["trace_id", "trace_name", "span_name", "generation_name", "parent_span_id"] as const;

export const traceContext = z
  .looseObject({
    trace_id: z.string().min(1).max(LIMITS.idLength).optional(),
    trace_name: z.string().min(1).max(LIMITS.nameLength).optional(),
    span_name: z.string().min(1).max(LIMITS.nameLength).optional(),
    generation_name: z.string().min(1).max(LIMITS.nameLength).optional(),
    parent_span_id: z.string().min(1).max(LIMITS.idLength).optional(),
  });

const usageInput = z
  .object({
    input_tokens: nonNegInt.optional(),
    output_tokens: nonNegInt.optional(),
    total_tokens: nonNegInt.optional(),
    cached_tokens: nonNegInt.optional(),
    reasoning_tokens: nonNegInt.optional(),
    // OpenAI's names, accepted as aliases.
    prompt_tokens: nonNegInt.optional(),
    completion_tokens: nonNegInt.optional(),
  })
  .strict();

export const traceInput = z
  .object({
    /** Caller's id for this generation; generated when absent. */
    id: z.string().min(1).max(LIMITS.idLength).optional(),
    model: z.string().min(1).max(LIMITS.modelLength),
    provider: z.string().min(1).max(LIMITS.nameLength).optional(),
    request: z
      .object({
        messages: z.array(message).max(LIMITS.messagesPerTrace),
        tools: z.array(toolDefinition).max(512).optional(),
        tool_choice: z.unknown().optional(),
        /** temperature, max_tokens, top_p, … */
        parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
      })
      .strict(),
    response: z
      .object({
        id: z.string().max(LIMITS.idLength).optional(),
        model: z.string().max(LIMITS.modelLength).optional(),
        /** Output messages (one per choice); tool calls are in their tool_calls. */
        messages: z.array(message).max(LIMITS.messagesPerTrace).default([]),
      })
      .strict()
      .optional(),
    usage: usageInput.optional(),
    cost: z.object({ input: nonNegNum.optional(), output: nonNegNum.optional(), total: nonNegNum.optional() }).strict().optional(),
    timing: z
      .object({
        start: timestamp,
        end: timestamp,
        time_to_first_token_ms: nonNegNum.optional(),
      })
      .strict()
      // zod runs this refinement even when start or end failed to parse (it then sees the raw
      // input, not Dates): compare only two real Dates, the field errors already name the rest.
      .refine((t) => !(t.start instanceof Date && t.end instanceof Date) || t.end.getTime() >= t.start.getTime(), { message: "end must not be before start", path: ["end"] }),
    finish_reason: z.string().max(64).optional(),
    stream: z.boolean().optional(),
    status: z.enum(["ok", "error"]).optional(),
    error: z.object({ message: z.string().max(4096), code: z.string().max(128).optional(), status: z.number().int().optional() }).strict().optional(),
    user: z.string().min(1).max(LIMITS.userLength).optional(),
    session_id: z.string().min(1).max(LIMITS.sessionIdLength).optional(),
    /** The application that made the call (OpenRouter's X-Title and HTTP-Referer headers say the same). */
    app: z
      .object({ name: z.string().min(1).max(LIMITS.nameLength).optional(), url: z.string().min(1).max(LIMITS.urlLength).optional() })
      .strict()
      .optional(),
    /** The user agent of the client that made the call. */
    user_agent: z.string().min(1).max(LIMITS.userAgentLength).optional(),
    trace: traceContext.optional(),
  })
  .strict();

export type TraceInput = z.input<typeof traceInput>;
export type ParsedTraceInput = z.output<typeof traceInput>;

export const ingestBatch = z.object({ traces: z.array(traceInput).min(1).max(LIMITS.tracesPerBatch) }).strict();

/**
 * A single trace or a batch {"traces":[…]}, always output as a list. An object with a `traces`
 * key is validated as a batch, anything else as one trace, so errors name the real field
 * (`traces.3.model`, `model`) instead of a root-level "no union member matched".
 */
export const ingestBody = z.unknown().transform((value, ctx): ParsedTraceInput[] => {
  const isBatch = typeof value === "object" && value !== null && !Array.isArray(value) && "traces" in value;
  const parsed = isBatch ? ingestBatch.safeParse(value) : traceInput.safeParse(value);
  if (parsed.success) return "traces" in parsed.data ? parsed.data.traces : [parsed.data];
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.message });
  return z.NEVER;
});

export type Message = z.output<typeof message>;

/** How a trace reached Tracecast: the JSON API, OTLP, the capture proxy, or "Send test trace". */
export type TraceSource = "api" | "otlp" | "proxy" | "test";
export type ToolDefinition = z.output<typeof toolDefinition>;

/**
 * The normalized trace: stored as TracePayload.data and given to every destination encoder.
 * Dates are ISO strings so it round-trips through JSON unchanged.
 */
export type Trace = {
  /** Tracecast's id for this generation (the caller's `id` when given). */
  id: string;
  model: string;
  provider: string | null;
  request: { messages: Message[]; tools: ToolDefinition[]; tool_choice?: unknown; parameters: Record<string, string | number | boolean | null> };
  response: { id: string | null; model: string | null; messages: Message[] };
  usage: {
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    cached_tokens: number | null;
    reasoning_tokens: number | null;
  };
  cost: { input: number | null; output: number | null; total: number | null };
  timing: { start: string; end: string; duration_ms: number; time_to_first_token_ms: number | null };
  finish_reason: string | null;
  /** Null when not sent to this destination (request-context switch off: lib/traces/generation-metadata.ts). */
  stream: boolean | null;
  status: "ok" | "error";
  error: { message: string; code?: string; status?: number } | null;
  user: string | null;
  session_id: string | null;
  trace: {
    trace_id: string | null;
    trace_name: string | null;
    span_name: string | null;
    generation_name: string | null;
    parent_span_id: string | null;
  };
  /** Custom keys of the `trace` object. */
  metadata: Record<string, unknown>;
  /** Name of the API key that sent it (S3 {apiKeyName}, filters). */
  api_key_name: string | null;
  // Recorded since the identity and request-context switches carried them: absent on older traces.
  /** The application that made the call (the body's `app`, else the X-Title and HTTP-Referer headers). */
  app?: { name: string | null; url: string | null };
  /** The calling client's user agent (the body's `user_agent`; the capture proxy: the caller's User-Agent header). */
  user_agent?: string | null;
  /** How the trace reached Tracecast. */
  source?: TraceSource | null;
  /** The capture proxy's upstream (its origin) for traces it recorded. */
  upstream?: string | null;
  received_at: string;
  /** True for "Send test trace" / test-connection traces. */
  is_test: boolean;
};

// What every proxied endpoint does with the caller's request body: read it as a JSON object,
// validate what the proxy relies on (OpenAI-style errors naming the parameter), take Tracecast's own
// fields (`trace`, `session_id`) out, and describe it for the trace.
import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { readJsonBody, type RouteRequest } from "@/lib/api/route";
import { LIMITS, traceContext, type TraceInput } from "@/lib/traces/schema";
import { invalidRequest, ProxyError } from "./openai-error";

/** Largest accepted request body: LLM requests carry base64 images and long histories. */
const MAX_BODY_BYTES = Number(process.env.TRACECAST_PROXY_MAX_BODY_BYTES ?? 32 * 1024 * 1024);

/** Fields every endpoint's schema includes. */
export const commonFields = {
  model: z.string({ error: "model is required" }).min(1, "model is required").max(LIMITS.modelLength),
  stream: z.boolean().nullish(),
  // Forwarded (OpenAI accepts it as the end-user id: providers use it for abuse monitoring, and the
  // caller set it for them) and recorded as the trace's user.
  user: z.string().nullish(),
  // Tracecast's own fields: recorded, never forwarded.
  session_id: z.string().min(1).max(LIMITS.sessionIdLength).optional(),
  trace: traceContext.optional(),
};

/** Body keys that belong to Tracecast: the upstream never sees them. */
const TRACECAST_FIELDS = new Set(["session_id", "trace"]);

/** A caller's request, ready to forward and to trace. */
export type ProxiedRequest = {
  model: string;
  stream: boolean;
  /** The caller did not ask for usage in the stream, so the proxy asks for it and removes it again. */
  injectsUsage: boolean;
  /** The trace's request section (messages, tools, tool_choice, parameters). */
  traceRequest: TraceInput["request"];
  user: string | undefined;
  sessionId: string | undefined;
  trace: TraceInput["trace"];
  /** The JSON body for the upstream: the caller's body without Tracecast's fields, model replaced. */
  upstreamBody(upstreamModel: string): string;
};

/** OpenAI's notation for a parameter path: messages[0].content. */
function paramPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

/** Reads the body and validates it with `schema`; every failure is a 400 in OpenAI's format. */
export async function readProxyBody<T extends z.ZodType>(req: RouteRequest, schema: T): Promise<{ raw: Record<string, unknown>; body: z.output<T> }> {
  let raw: unknown;
  try {
    raw = await readJsonBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof ApiError) throw new ProxyError(err.status, "invalid_request_error", err.message, null, err.code);
    throw err;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalidRequest("The request body must be a JSON object", null);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = paramPath(issue.path);
    const missing = issue.path.length === 1 && issue.code === "invalid_type" && (raw as Record<string, unknown>)[String(issue.path[0])] === undefined;
    throw invalidRequest(`Invalid value for '${param}': ${issue.message}`, param, missing ? "missing_required_parameter" : "invalid_value");
  }
  return { raw: raw as Record<string, unknown>, body: parsed.data };
}

/**
 * The request's parameters for the trace: every body key not described elsewhere in the trace.
 * Structured values (stop lists, response_format, reasoning…) are kept as their JSON text.
 */
export function parametersOf(raw: Record<string, unknown>, describedElsewhere: readonly string[]): Record<string, string | number | boolean | null> {
  const skip = new Set([...describedElsewhere, "model", "stream", "user", ...TRACECAST_FIELDS]);
  const parameters: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (skip.has(key) || value === undefined) continue;
    parameters[key] = value === null || typeof value !== "object" ? (value as string | number | boolean | null) : JSON.stringify(value);
  }
  return parameters;
}

type Common = { model: string; stream?: boolean | null; user?: string | null; session_id?: string; trace?: TraceInput["trace"] };

/** The ProxiedRequest of a validated body; `extraUpstreamFields` are set on the forwarded body. */
export function proxiedRequest(
  raw: Record<string, unknown>,
  body: Common,
  traceRequest: TraceInput["request"],
  opts: { injectsUsage?: boolean; extraUpstreamFields?: Record<string, unknown> } = {},
): ProxiedRequest {
  const forwarded = Object.fromEntries(Object.entries(raw).filter(([key]) => !TRACECAST_FIELDS.has(key)));
  return {
    model: body.model,
    stream: body.stream === true,
    injectsUsage: opts.injectsUsage ?? false,
    traceRequest,
    // The trace model caps `user`; the upstream still receives the caller's full value.
    user: body.user ? body.user.slice(0, LIMITS.userLength) : undefined,
    sessionId: body.session_id,
    trace: body.trace,
    upstreamBody: (upstreamModel) => JSON.stringify({ ...forwarded, model: upstreamModel, ...opts.extraUpstreamFields }),
  };
}

// The zero-code capture proxy, shared by its endpoints (chat-completions.ts, responses.ts). The
// caller's OpenAI client talks to Tracecast as if it were the provider; the request goes to the
// workspace's upstream, the answer comes back byte for byte as the upstream produces it, and the
// trace is recorded once the answer is complete.
//
// What is changed on the way:
//   request:  `trace` and `session_id` are removed (Tracecast's fields), the routing prefix is
//             removed from `model`, and an endpoint may ask for usage on the caller's behalf
//             (chat streams: stream_options.include_usage). `user` is forwarded.
//   response: a stream event the proxy asked for and the caller did not (the usage-only chunk) is
//             removed. Nothing else: upstream errors reach the caller with their status, body
//             and rate-limit headers.
import { AsyncResource } from "node:async_hooks";
import type http from "node:http";
import { afterResponse } from "@/lib/api/after-response";
import type { RouteRequest } from "@/lib/api/route";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { callerFacts, sessionIdHeader } from "@/lib/traces/normalize";
import { closeTruncatedJson, upstreamErrorOf, type RecordedResponse, type StreamAssembler } from "./answer";
import { invalidRequest, openAiErrorResponse, ProxyError } from "./openai-error";
import type { ProxiedRequest } from "./request";
import { SseSplitter } from "./sse";
import { buildTrace, recordTrace, type CallRecord, type RecordingFacts } from "./trace";
import { relay, requestUpstream, type RelayEnd, type RelayObserver } from "./upstream-http";
import { resolveUpstream, type ResolvedUpstream } from "./upstreams";

/** Caller headers the upstream receives (its own auth and the proxy's are never among them). */
const FORWARDED_REQUEST_HEADERS = ["accept", "user-agent", "openai-organization", "openai-project", "openai-beta", "idempotency-key"];

/** Upstream headers the caller receives: content type, rate limits, request ids, retry hints. */
const RELAYED_RESPONSE_HEADER = /^(content-type|cache-control|retry-after|retry-after-ms|x-request-id|request-id|openai-[a-z-]+|x-ratelimit-[a-z-]+)$/;

/**
 * Longest body kept for the trace (a non-streamed answer or an error body); the caller gets it all.
 * The trace of a longer answer keeps what this much of it says, flagged (trace.ts).
 */
export const MAX_TRACED_BODY_BYTES = 16 * 1024 * 1024;

const PASSTHROUGH_KEY_HEADER = "x-upstream-authorization";

/** One OpenAI-compatible endpoint: how its requests are read and its answers recorded. */
export type Endpoint = {
  /** Appended to the upstream's base URL ("/chat/completions"). */
  path: string;
  readRequest(req: RouteRequest): Promise<ProxiedRequest>;
  newStreamAssembler(): StreamAssembler;
  /** A stream payload the proxy asked for on the caller's behalf (removed when request.injectsUsage). */
  isInjectedPayload?(payload: unknown): boolean;
  /** The recorded answer of a whole-body 2xx response. */
  bodyResponse(body: string): RecordedResponse;
};

export async function proxyCall(endpoint: Endpoint, ctx: ApiKeyContext, req: RouteRequest): Promise<Response> {
  const start = new Date();
  const startedAt = performance.now();
  let request: ProxiedRequest;
  let upstream: ResolvedUpstream;
  let recording: RecordingFacts;
  let authorization: string | null;
  try {
    request = await endpoint.readRequest(req);
    const headerSessionId = sessionHeaderOf(req);
    const resolved = await resolveUpstream(ctx.workspace.id, request.model);
    if (!resolved)
      throw invalidRequest(
        `No upstream matches the model '${request.model}': add an upstream whose model prefix it starts with (such as "openai/"), or a default upstream (empty prefix).`,
        "model",
        "model_not_found",
      );
    upstream = resolved;
    // The caller here is the app's own client: its User-Agent describes the call.
    recording = { headerSessionId, caller: { ...callerFacts(req.headers, { userAgent: true }), upstream: new URL(upstream.baseUrl).origin } };
    authorization = authorizationFor(upstream, req);
  } catch (err) {
    // Rejected before routing: like OpenRouter, no trace (the request never reached a provider).
    if (err instanceof ProxyError) return openAiErrorResponse(err);
    throw err;
  }

  const call: Omit<CallRecord, "end"> = { request, provider: upstream.name, upstreamModel: upstream.model, start };
  const finishTrace = recordInThisRequest((facts: Partial<CallRecord>) => recordTrace(ctx, buildTrace({ ...call, end: new Date(), ...facts }), recording));

  // The caller going away (request aborted) cancels the upstream call too.
  const abort = new AbortController();
  const onCallerGone = () => abort.abort();
  req.signal.addEventListener("abort", onCallerGone, { once: true });

  const url = new URL(`${upstream.baseUrl}${endpoint.path}${new URL(req.url).search}`);
  let response: http.IncomingMessage;
  try {
    response = await requestUpstream({ url, headers: upstreamHeaders(req, authorization), body: request.upstreamBody(upstream.model), signal: abort.signal });
  } catch (err) {
    req.signal.removeEventListener("abort", onCallerGone);
    if (abort.signal.aborted) {
      finishTrace({ error: { message: "The caller closed the connection before the upstream answered" } });
      return new Response(null, { status: 499 });
    }
    const failure = err instanceof ProxyError ? err : new ProxyError(502, "api_error", `The upstream call failed: ${(err as Error).message}`, null, "upstream_error");
    finishTrace({ error: { message: failure.message, code: failure.code ?? undefined, status: failure.status } });
    return openAiErrorResponse(failure);
  }

  const status = response.statusCode ?? 502;
  const headers = relayedHeaders(response);
  const isEventStream = /^text\/event-stream\b/i.test(String(response.headers["content-type"] ?? ""));
  const outcome = (end: RelayEnd): Partial<CallRecord> => {
    req.signal.removeEventListener("abort", onCallerGone);
    if (end.kind === "cancelled" || (end.kind === "failed" && abort.signal.aborted))
      return { error: { message: "The caller closed the connection before the answer was complete" } };
    if (end.kind === "failed") return { error: { message: end.message, status } };
    return {};
  };

  let observer: RelayObserver;
  if (status >= 200 && status < 300 && isEventStream) {
    const drop = request.injectsUsage ? endpoint.isInjectedPayload : undefined;
    observer = streamObserver(endpoint.newStreamAssembler(), drop, startedAt, (recorded, ttft, end) =>
      finishTrace({ response: recorded, timeToFirstTokenMs: ttft, ...outcome(end) }),
    );
    // Nothing between Tracecast and the caller may hold the stream back: "no-transform" keeps
    // response compression off it (Next's own, and any proxy's; a compressor holds bytes until its
    // buffer fills), and x-accel-buffering tells nginx not to buffer it.
    const cacheControl = headers.get("cache-control");
    if (!/\bno-transform\b/i.test(cacheControl ?? "")) headers.set("cache-control", cacheControl ? `${cacheControl}, no-transform` : "no-transform");
    headers.set("x-accel-buffering", "no");
  } else {
    observer = bodyObserver((body, end, totalBytes) => {
      // An answer past the cap is recorded cut off and flagged, not as an error: the caller got all of it.
      const truncated = totalBytes > MAX_TRACED_BODY_BYTES ? { responseBytes: totalBytes } : {};
      if (status >= 200 && status < 300) {
        if (!truncated.responseBytes) return finishTrace({ response: endpoint.bodyResponse(body), ...outcome(end) });
        const { error: _unparsable, ...kept } = endpoint.bodyResponse(closeTruncatedJson(body) ?? "{}");
        return finishTrace({ response: kept, ...truncated, ...outcome(end) });
      }
      finishTrace({ ...outcome(end), ...truncated, error: { ...upstreamErrorOf(body), status } });
    });
    // The body passes unchanged, so its length does too.
    if (response.headers["content-length"]) headers.set("content-length", response.headers["content-length"]);
  }
  return new Response(relay(response, observer), { status, statusText: response.statusMessage, headers });
}

/**
 * Wraps the trace recording so it runs in this request's async context, and keeps the request's
 * after-response scope open until it is done (lib/api/after-response.ts). The recording starts from
 * upstream socket events, and a pooled socket carries the async context of the request that opened
 * it: without this, the dispatcher kick that ingestion schedules after the response would land on
 * an older, finished request.
 */
function recordInThisRequest<A extends unknown[]>(record: (...args: A) => Promise<void>): (...args: A) => void {
  const scope = new AsyncResource("tracecast.proxy.trace");
  let recorded!: () => void;
  afterResponse(new Promise<void>((resolve) => (recorded = resolve)));
  return (...args) => void scope.runInAsyncScope(() => record(...args)).finally(recorded);
}

/** Observes an SSE stream: assembles it for the trace and drops the payloads `drop` names. */
function streamObserver(
  assembler: StreamAssembler,
  drop: ((payload: unknown) => boolean) | undefined,
  startedAt: number,
  done: (recorded: RecordedResponse, timeToFirstTokenMs: number | undefined, end: RelayEnd) => void,
): RelayObserver {
  const splitter = new SseSplitter();
  let firstTokenMs: number | undefined;
  const observe = (data: string | null): "keep" | "drop" => {
    if (data === null || data === "[DONE]") return "keep";
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return "keep";
    }
    if (assembler.add(chunk) && firstTokenMs === undefined) firstTokenMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    return drop?.(chunk) ? "drop" : "keep";
  };
  return {
    chunk(bytes) {
      const events = splitter.push(bytes);
      if (!drop) {
        // Nothing to remove: the chunk goes on exactly as received; parsing is only for the trace.
        for (const event of events) observe(event.data);
        return bytes;
      }
      // Complete events go on at once; only an unfinished event waits for its end, which costs the
      // caller nothing: an SSE client cannot act on an event before its terminating blank line.
      const kept = events.filter((event) => observe(event.data) === "keep").map((event) => event.raw);
      return kept.length === 1 ? kept[0] : Buffer.concat(kept);
    },
    flush() {
      return drop ? splitter.rest() : undefined;
    },
    end(end) {
      done(assembler.result(), firstTokenMs, end);
    },
  };
}

/** Observes a whole-body answer: passes every chunk on and keeps a copy of its first MAX_TRACED_BODY_BYTES for the trace. */
function bodyObserver(done: (body: string, end: RelayEnd, totalBytes: number) => void): RelayObserver {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  return {
    chunk(bytes) {
      total += bytes.length;
      if (kept < MAX_TRACED_BODY_BYTES) {
        const part = bytes.subarray(0, MAX_TRACED_BODY_BYTES - kept);
        chunks.push(part);
        kept += part.length;
      }
      return bytes;
    },
    flush: () => undefined,
    end(end) {
      done(Buffer.concat(chunks).toString("utf8"), end, total);
    },
  };
}

function sessionHeaderOf(req: RouteRequest): string | undefined {
  const header = sessionIdHeader.safeParse(req.headers.get("x-session-id") ?? undefined);
  if (!header.success) throw invalidRequest(header.error.issues[0].message, "x-session-id", "invalid_value");
  return header.data;
}

/** The Authorization the upstream receives: the caller's own provider key when allowed, else the stored key. */
function authorizationFor(upstream: ResolvedUpstream, req: RouteRequest): string | null {
  const passthrough = req.headers.get(PASSTHROUGH_KEY_HEADER)?.trim();
  if (passthrough) {
    if (!upstream.allowPassthroughKey)
      throw new ProxyError(
        403,
        "permission_error",
        `The upstream '${upstream.name}' does not accept the caller's own provider key (${PASSTHROUGH_KEY_HEADER}); an admin can allow it in its settings.`,
        PASSTHROUGH_KEY_HEADER,
        "passthrough_key_not_allowed",
      );
    return passthrough;
  }
  return upstream.apiKey ? `Bearer ${upstream.apiKey}` : null;
}

function upstreamHeaders(req: RouteRequest, authorization: string | null): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    // The proxy reads the answer for the trace, so it asks for it uncompressed.
    "accept-encoding": "identity",
  };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value) headers[name] = value;
  }
  if (authorization) headers.authorization = authorization;
  return headers;
}

function relayedHeaders(response: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || !RELAYED_RESPONSE_HEADER.test(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

// The one way Tracecast talks to a destination: send() with a deadline, the SSRF guard's agents
// (lib/destinations/ssrf.ts) on the address actually connected to, a capped response read and uniform error classification;
// deliverBatch() and runDestinationTest() on top of it so delivery and "Test connection" go
// through exactly the same path.
//
// node:http/https rather than global fetch: fetch (undici) has no per-request `lookup` hook, and
// checking the hostname before fetch resolves it again leaves a DNS-rebinding gap.
// Redirects are never followed (a 3xx is a permanent failure): following one would let a public
// endpoint bounce us to a private address.
import http from "node:http";
import https from "node:https";
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { DeliveryError, isRetryableStatus, parseRetryAfter } from "./errors";
import { secretKeysOf } from "./define";
import { credentialsInHeaders, maskHeaders, maskSecretsIn, secretForms, secretStrings } from "./masking";
import { guardedAgentFor, guardedAgents, type LookupFunction } from "./ssrf";
import type { DeliverContext, DestinationDefinition, HttpResult, OutboundRequest, OutboundTrace, TestResult } from "./types";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";

export const DEFAULT_TIMEOUT_MS = 15_000;
/** Most response bytes read; the rest is discarded (we only keep an excerpt for logs and the UI). */
const MAX_RESPONSE_BYTES = 8 * 1024;
/** Request bodies shown by "Test connection" are cut here. */
const MAX_SHOWN_REQUEST_BODY = 4 * 1024;

export type SendOptions = {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Resolver override (tests); the SSRF guard always wraps it. */
  lookup?: LookupFunction;
};

function excerpt(bytes: Buffer, truncated: boolean): string {
  const text = bytes.toString("utf8");
  return truncated ? `${text}…` : text;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Sends one request. Resolves with the answer on 2xx; throws a classified DeliveryError otherwise. */
export async function send(req: OutboundRequest, opts: SendOptions): Promise<HttpResult> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new DeliveryError("config", `"${req.url}" is not a valid URL`, { retryable: false });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DeliveryError("config", `Only http and https URLs are supported (got ${url.protocol})`, { retryable: false });
  }
  if (opts.signal?.aborted) throw new DeliveryError("network", "The delivery was cancelled", { retryable: true });

  const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : Buffer.from(req.body);
  const headers: Record<string, string> = { ...req.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) headers["content-length"] = String(body.length);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "user-agent")) headers["user-agent"] = "Tracecast";

  const transport = url.protocol === "https:" ? https : http;
  const started = performance.now();

  return new Promise<HttpResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: DeliveryError | null, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener("abort", onAbort);
      // Also stops downloading a response body past the excerpt cap.
      request.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const deadline = setTimeout(
      () => finish(new DeliveryError("timeout", `${url.host} did not answer within ${opts.timeoutMs} ms`, { retryable: true })),
      opts.timeoutMs,
    );
    const onAbort = () => finish(new DeliveryError("network", "The delivery was cancelled", { retryable: true }));
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const request = transport.request(url, {
      method: req.method,
      headers,
      // The guard's agent resolves and checks the address it connects to (IP literals included);
      // not keep-alive: a connection per request, as every attempt is independent.
      agent: guardedAgentFor(guardedAgents({ lookup: opts.lookup }), url),
    });
    request.on("error", (err: NodeJS.ErrnoException) => {
      if (err instanceof DeliveryError) return finish(err);
      finish(new DeliveryError("network", `Could not reach ${url.host}: ${err.code ?? err.message}`, { retryable: true, cause: err }));
    });
    request.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const complete = () => {
        const status = res.statusCode ?? 0;
        // A platform may quote the request (headers included) in its answer, which is kept in the
        // delivery log and shown by Test connection.
        const responseBody = maskSecretsIn(excerpt(Buffer.concat(chunks), truncated), credentialsInHeaders(headers));
        const responseHeaders = flattenHeaders(res.headers);
        const latencyMs = Math.round(performance.now() - started);
        if (status >= 200 && status < 300) return finish(null, { status, body: responseBody, headers: responseHeaders, latencyMs });
        finish(
          new DeliveryError("http", `${url.host} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`, {
            retryable: isRetryableStatus(status),
            status,
            retryAfterMs: parseRetryAfter(responseHeaders["retry-after"]),
            responseBody,
          }),
        );
      };
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = MAX_RESPONSE_BYTES - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          truncated = true;
          // Enough for the excerpt: stop downloading the rest.
          complete();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", complete);
      res.on("error", (err) =>
        finish(new DeliveryError("network", `Connection to ${url.host} broke while reading the answer: ${err.message}`, { retryable: true, cause: err })),
      );
    });
    request.end(body);
  });
}

export type DeliverContextOptions = {
  timeoutMs: number;
  /** Aborted when the drain stops. */
  signal?: AbortSignal;
  lookup?: LookupFunction;
};

/** The context handed to a definition's `deliver`/`test`: send() and the guard, with this attempt's deadline. */
export function createDeliverContext(opts: DeliverContextOptions): DeliverContext {
  const attemptDeadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, attemptDeadline]) : attemptDeadline;
  return {
    send: (req) => send(req, { timeoutMs: opts.timeoutMs, signal: opts.signal, lookup: opts.lookup }),
    timeoutMs: opts.timeoutMs,
    signal,
    agents: guardedAgents({ lookup: opts.lookup }),
    now: () => new Date(),
  };
}

/** Any error a custom `deliver` throws, as a DeliveryError (unknown errors are treated as transient). */
function classify(err: unknown, ctx: DeliverContext): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (ctx.signal.aborted) return new DeliveryError("timeout", `The delivery did not complete within ${ctx.timeoutMs} ms`, { retryable: true, cause: err });
  return new DeliveryError("network", message, { retryable: true, cause: err });
}

/** What became of a batch: the traces that were not delivered, each with its own error (the others were). */
export type BatchOutcome = { results: HttpResult[]; failed: Map<string, DeliveryError> };

function encodeError(def: Pick<DestinationDefinition, "name">, err: unknown): DeliveryError {
  return new DeliveryError("encode", `Could not encode the traces for ${def.name}: ${err instanceof Error ? err.message : String(err)}`, {
    retryable: false,
    cause: err,
  });
}

/**
 * The requests for `traces`, with the traces that cannot be encoded set aside in `failed`: one
 * trace the encoder throws on (too large for the platform, unencodable content) must not take the
 * rest of its batch down with it. The batch is encoded whole first; only when that throws is each
 * trace tried alone to find the culprits.
 */
function encodeSettingAside<S extends z.ZodObject>(
  def: DestinationDefinition<S>,
  encode: NonNullable<DestinationDefinition<S>["encode"]>,
  traces: OutboundTrace[],
  config: z.output<S>,
  failed: Map<string, DeliveryError>,
): OutboundRequest[] {
  try {
    return encode(traces, config);
  } catch (err) {
    if (traces.length === 1) {
      failed.set(traces[0].delivery_id, encodeError(def, err));
      return [];
    }
  }
  const encodable = traces.filter((trace) => {
    try {
      encode([trace], config);
      return true;
    } catch (err) {
      failed.set(trace.delivery_id, encodeError(def, err));
      return false;
    }
  });
  if (encodable.length === 0) return [];
  try {
    return encode(encodable, config);
  } catch (err) {
    // Each encodes alone but not together: the batch as a whole cannot be sent.
    throw encodeError(def, err);
  }
}

/**
 * Delivers one batch through the definition's own transport (`deliver`) or by sending every
 * request `encode` produces, in order. Traces the platform refuses (`refuses`), that cannot be
 * encoded, or that a custom transport reports undelivered are in `failed`, each with its own
 * error, and the rest is sent. Throws a
 * DeliveryError when a request fails: that failure is the whole batch's.
 */
export async function deliverTraces<S extends z.ZodObject>(
  def: DestinationDefinition<S>,
  traces: OutboundTrace[],
  config: z.output<S>,
  opts: Omit<DeliverContextOptions, "timeoutMs"> = {},
): Promise<BatchOutcome> {
  const ctx = createDeliverContext({ ...opts, timeoutMs: def.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const secrets = secretForms(secretValuesOf(def, config));
  const failed = new Map<string, DeliveryError>();
  try {
    const now = ctx.now();
    const sendable = traces.filter((trace) => {
      const reason = def.refuses?.(trace, now);
      if (reason !== undefined) failed.set(trace.delivery_id, new DeliveryError("encode", reason, { retryable: false }));
      return reason === undefined;
    });
    const results: HttpResult[] = [];
    if (sendable.length > 0 && def.deliver) {
      const undelivered = await def.deliver(sendable, config, ctx);
      for (const [id, error] of undelivered ?? []) failed.set(id, error);
    } else if (sendable.length > 0) {
      if (!def.encode) throw new DeliveryError("config", `${def.name} has neither encode nor deliver`, { retryable: false });
      for (const request of encodeSettingAside(def, def.encode, sendable, config, failed)) results.push(await ctx.send(request));
    }
    for (const [id, error] of failed) failed.set(id, withoutSecrets(error, secrets));
    return { results, failed };
  } catch (err) {
    throw withoutSecrets(classify(err, ctx), secrets);
  }
}

/** deliverTraces for callers that need every trace delivered: the first trace's failure is thrown. */
export async function deliverBatch<S extends z.ZodObject>(
  def: DestinationDefinition<S>,
  traces: OutboundTrace[],
  config: z.output<S>,
  opts: Omit<DeliverContextOptions, "timeoutMs"> = {},
): Promise<HttpResult[]> {
  const { results, failed } = await deliverTraces(def, traces, config, opts);
  const [firstFailure] = failed.values();
  if (firstFailure) throw firstFailure;
  return results;
}

/**
 * The error with the destination's secrets masked in its message and response excerpt: both end
 * up in the delivery log, destination health and Test connection (a platform may echo a key back).
 */
function withoutSecrets(error: DeliveryError, secrets: string[]): DeliveryError {
  const message = maskSecretsIn(error.message, secrets);
  const responseBody = error.responseBody === undefined ? undefined : maskSecretsIn(error.responseBody, secrets);
  if (message === error.message && responseBody === error.responseBody) return error;
  const { kind, retryable, status, retryAfterMs, cause } = error;
  return new DeliveryError(kind, message, { retryable, status, retryAfterMs, responseBody, cause });
}

function secretValuesOf(def: Pick<DestinationDefinition, "config">, config: Record<string, unknown>): string[] {
  return secretKeysOf(def).flatMap((key) => secretStrings(config[key]));
}

function shownRequest(req: OutboundRequest, secrets: string[]): NonNullable<TestResult["request"]> {
  const body = typeof req.body === "string" ? req.body : `<${req.body.byteLength} bytes of binary data>`;
  const cut = body.length > MAX_SHOWN_REQUEST_BODY ? `${body.slice(0, MAX_SHOWN_REQUEST_BODY)}…` : body;
  return {
    method: req.method,
    url: maskSecretsIn(req.url, secrets),
    headers: maskHeaders(req.headers, secrets),
    body: maskSecretsIn(cut, secrets),
  };
}

/**
 * "Test connection": the definition's own `test`, or by default one synthetic test trace
 * (connectionTestTrace, is_test=true) sent through the same path as real traffic, in privacy mode
 * (applyPrivacy) when the destination is in it, as its deliveries are.
 *
 * The default is strict: only a 2xx passes. OpenRouter's webhook test accepts a 400 because it
 * sends an *empty* payload that some endpoints reject; we send a complete, schema-correct trace,
 * so a 400 means the platform would reject real traffic too. It is reported as "reachable, but
 * rejected" with the platform's answer. Definitions that need another rule implement `test`.
 */
export async function runDestinationTest<S extends z.ZodObject>(
  def: DestinationDefinition<S>,
  config: z.output<S>,
  { privacyMode = false, ...opts }: Omit<DeliverContextOptions, "timeoutMs"> & { privacyMode?: boolean } = {},
): Promise<TestResult> {
  const secrets = secretForms(secretValuesOf(def, config));
  const timeoutMs = def.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (def.test) {
    const ctx = createDeliverContext({ ...opts, timeoutMs });
    try {
      return await def.test(config, ctx);
    } catch (err) {
      const error = withoutSecrets(classify(err, ctx), secrets);
      return { ok: false, status: error.status, message: error.message, responseBody: error.responseBody };
    }
  }
  const fixture = connectionTestTrace();
  const trace = outbound(privacyMode ? applyPrivacy(fixture) : fixture, 1, `test-${randomUUID()}`);
  const requests = def.encode ? safeEncode(def, trace, config) : undefined;
  const request = requests?.[0] ? shownRequest(requests[0], secrets) : undefined;
  try {
    const results = await deliverBatch(def, [trace], config, opts);
    const last = results.at(-1);
    return {
      ok: true,
      status: last?.status,
      message: last ? `${def.name} accepted the test trace (${last.status})` : `${def.name} accepted the test trace`,
      responseBody: last ? maskSecretsIn(last.body, secrets) : undefined,
      request,
    };
  } catch (err) {
    // deliverBatch only throws DeliveryErrors.
    const error = err as DeliveryError;
    const message =
      error.kind === "http" && error.status !== undefined && error.status < 500
        ? `${def.name} is reachable, but rejected the test trace (${error.status})`
        : error.message;
    return {
      ok: false,
      status: error.status,
      message,
      responseBody: error.responseBody !== undefined ? maskSecretsIn(error.responseBody, secrets) : undefined,
      request,
    };
  }
}

function safeEncode<S extends z.ZodObject>(def: DestinationDefinition<S>, trace: OutboundTrace, config: z.output<S>): OutboundRequest[] | undefined {
  try {
    return def.encode!([trace], config);
  } catch {
    return undefined; // deliverBatch reports the encoding error itself
  }
}

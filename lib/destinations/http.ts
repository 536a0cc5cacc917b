// Delivery to a destination and "Test connection" on top of the one outbound path
// (lib/outbound/send.ts: deadline, SSRF guard, capped answer, error classification):
// deliverTraces() and runDestinationTest() go through exactly the same path.
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { DeliveryError } from "@/lib/outbound/errors";
import { secretKeysOf } from "./define";
import { credentialsInHeaders, maskHeaders, maskSecretsIn, secretForms, secretStrings } from "@/lib/outbound/masking";
import { send } from "@/lib/outbound/send";
import { allowedAddress, guardedAgents, type LookupFunction } from "@/lib/outbound/ssrf";
import type { DeliverContext, DestinationDefinition, HttpResult, OutboundRequest, OutboundTrace, TestResult } from "./types";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";
import { NO_GENERATION_METADATA } from "@/lib/traces/generation-metadata";
import { shapeTrace, type TraceShaping } from "@/lib/traces/shape";

export const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * An attempt (every request of one batch, split by the platform's limits) may take at most this
 * many request timeouts in all: each request has its own timeout, and a batch split into many
 * slow requests cannot hold its claim for many timeouts.
 */
export const ATTEMPT_TIMEOUTS = 3;
/** Request bodies shown by "Test connection" are cut here. */
const MAX_SHOWN_REQUEST_BODY = 4 * 1024;

export type DeliverContextOptions = {
  /** Per request; the attempt as a whole gets ATTEMPT_TIMEOUTS of them. */
  timeoutMs: number;
  /** Aborted when the drain stops. */
  signal?: AbortSignal;
  lookup?: LookupFunction;
};

/**
 * The context handed to a definition's `deliver`/`test`: send() and the guard, each request with
 * its own timeout, and the attempt's deadline over them all.
 */
export function createDeliverContext(opts: DeliverContextOptions): DeliverContext {
  const attemptTimeoutMs = opts.timeoutMs * ATTEMPT_TIMEOUTS;
  const attempt = new AbortController();
  const deadline = new DeliveryError("timeout", `The delivery attempt did not complete within ${attemptTimeoutMs} ms`, { retryable: true });
  // unref: an attempt that finished early must not keep the process alive until its deadline.
  setTimeout(() => attempt.abort(deadline), attemptTimeoutMs).unref();
  const signal = opts.signal ? AbortSignal.any([opts.signal, attempt.signal]) : attempt.signal;
  return {
    send: (req) => send(req, { timeoutMs: opts.timeoutMs, signal, lookup: opts.lookup }),
    timeoutMs: opts.timeoutMs,
    attemptTimeoutMs,
    signal,
    requestSignal: () => AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]),
    agents: guardedAgents({ lookup: opts.lookup }),
    resolveTarget: (hostname) => allowedAddress(hostname, { lookup: opts.lookup }),
    now: () => new Date(),
  };
}

/** Any error a custom `deliver` throws, as a DeliveryError (unknown errors are treated as transient). */
function classify(err: unknown, ctx: DeliverContext): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (ctx.signal.aborted) return new DeliveryError("timeout", `The delivery did not complete within ${ctx.attemptTimeoutMs} ms`, { retryable: true, cause: err });
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
  at: Date,
  failed: Map<string, DeliveryError>,
): OutboundRequest[] {
  try {
    return encode(traces, config, at);
  } catch (err) {
    if (traces.length === 1) {
      failed.set(traces[0].delivery_id, encodeError(def, err));
      return [];
    }
  }
  const encodable = traces.filter((trace) => {
    try {
      encode([trace], config, at);
      return true;
    } catch (err) {
      failed.set(trace.delivery_id, encodeError(def, err));
      return false;
    }
  });
  if (encodable.length === 0) return [];
  try {
    return encode(encodable, config, at);
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
      // A transport that sends through ctx.send gets its answers recorded too (Test connection shows them).
      const recording: DeliverContext = {
        ...ctx,
        send: async (request) => {
          const result = await ctx.send(request);
          results.push(result);
          return result;
        },
      };
      const undelivered = await def.deliver(sendable, config, recording);
      for (const [id, error] of undelivered ?? []) failed.set(id, error);
    } else if (sendable.length > 0) {
      if (!def.encode) throw new DeliveryError("config", `${def.name} has neither encode nor deliver`, { retryable: false });
      for (const request of encodeSettingAside(def, def.encode, sendable, config, now, failed)) results.push(await ctx.send(request));
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

export function secretValuesOf(def: Pick<DestinationDefinition, "config">, config: Record<string, unknown>): string[] {
  return secretKeysOf(def).flatMap((key) => secretStrings(config[key]));
}

export type MaskedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text (a placeholder for a binary one), at most `maxBodyChars`. */
  body: string;
  /** The body was longer and is cut. */
  truncated: boolean;
  bodyBytes: number;
  /** A binary body (protobuf), whole, when it is within the limit and holds none of the secrets. */
  bodyBase64: string | null;
};

/**
 * A request for display: secrets masked in its URL, headers and body (masked before the body is
 * cut, so no part of a secret survives at the cut). A binary body cannot be masked: it is given
 * only when no form of a secret occurs in it.
 */
export function maskRequest(req: OutboundRequest, configSecrets: string[], maxBodyChars: number): MaskedRequest {
  // Credentials derived from the secrets (a Basic pair, a DSN's key) travel in the headers; the
  // URL or body may carry them too.
  const secrets = [...configSecrets, ...credentialsInHeaders(req.headers)];
  const binary = typeof req.body !== "string" ? Buffer.from(req.body) : null;
  const bodyBytes = binary ? binary.byteLength : Buffer.byteLength(req.body as string);
  const text = binary ? `<${bodyBytes} bytes of binary data>` : maskSecretsIn(req.body as string, secrets);
  const holdsSecret = binary !== null && secrets.some((secret) => secret.length >= 4 && binary.includes(secret));
  return {
    method: req.method,
    url: maskSecretsIn(req.url, secrets),
    headers: maskHeaders(req.headers, secrets),
    body: text.slice(0, maxBodyChars),
    truncated: text.length > maxBodyChars,
    bodyBytes,
    bodyBase64: binary && !holdsSecret && bodyBytes <= maxBodyChars ? binary.toString("base64") : null,
  };
}

function shownRequest(req: OutboundRequest, secrets: string[]): NonNullable<TestResult["request"]> {
  const { method, url, headers, body, truncated } = maskRequest(req, secrets, MAX_SHOWN_REQUEST_BODY);
  return { method, url, headers, body: truncated ? `${body}…` : body };
}

/**
 * "Test connection": the definition's own `test`, or by default one synthetic test trace
 * (connectionTestTrace, is_test=true) sent through the same path as real traffic, shaped as the
 * destination's deliveries are (shapeTrace: privacy mode, generation-metadata switches).
 *
 * The default is strict: only a 2xx passes. OpenRouter's webhook test accepts a 400 because it
 * sends an *empty* payload that some endpoints reject; we send a complete, schema-correct trace,
 * so a 400 means the platform would reject real traffic too. It is reported as "reachable, but
 * rejected" with the platform's answer. Definitions that need another rule implement `test`.
 */
export async function runDestinationTest<S extends z.ZodObject>(
  def: DestinationDefinition<S>,
  config: z.output<S>,
  { shaping = { privacyMode: false, ...NO_GENERATION_METADATA }, ...opts }: Omit<DeliverContextOptions, "timeoutMs"> & { shaping?: TraceShaping } = {},
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
  const trace = outbound(shapeTrace(fixture, shaping), 1, `test-${randomUUID()}`);
  const requests = def.encode ? safeEncode(def, trace, config, new Date()) : undefined;
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

function safeEncode<S extends z.ZodObject>(def: DestinationDefinition<S>, trace: OutboundTrace, config: z.output<S>, at: Date): OutboundRequest[] | undefined {
  try {
    return def.encode!([trace], config, at);
  } catch {
    return undefined; // deliverBatch reports the encoding error itself
  }
}

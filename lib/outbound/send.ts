// The one way Tracecast talks to a platform over HTTP (destinations; the capture proxy shares the
// guard, errors and masking of this folder): send() with a deadline, the SSRF guard's agents
// (ssrf.ts) on the address actually connected to, a capped response read and uniform error
// classification (errors.ts).
//
// node:http/https rather than global fetch: fetch (undici) has no per-request `lookup` hook, and
// checking the hostname before fetch resolves it again leaves a DNS-rebinding gap.
// Redirects are never followed (a 3xx is a permanent failure): following one would let a public
// endpoint bounce us to a private address.
//
// Connections are kept alive and reused across requests to the same host (a drain sends request
// after request to one platform; a new connection each time cost a TCP and a TLS handshake per
// request). A pooled connection the platform closed as we reused it fails before any answer: the
// request is then sent once more on a new connection (Node's documented `reusedSocket` pattern).
import http from "node:http";
import https from "node:https";
import type { HttpResult, OutboundRequest } from "@/lib/destinations/types";
import { DeliveryError, isRetryableStatus, parseRetryAfter } from "./errors";
import { credentialsInHeaders, maskSecretsIn } from "./masking";
import { guardedAgentFor, guardedAgents, type GuardedAgents, type LookupFunction } from "./ssrf";

/** Most response bytes read; the rest is discarded (we only keep an excerpt for logs and the UI). */
const MAX_RESPONSE_BYTES = 8 * 1024;

export type SendOptions = {
  /** This request's own deadline. */
  timeoutMs: number;
  /** Aborted when the drain stops or the attempt runs out of time (its reason, when a DeliveryError, is the error). */
  signal?: AbortSignal;
  /** Resolver override (tests); the SSRF guard always wraps it. */
  lookup?: LookupFunction;
};

/** Why a request was aborted: the attempt's deadline (its DeliveryError), else the drain stopping. */
function abortError(signal: AbortSignal): DeliveryError {
  return signal.reason instanceof DeliveryError ? signal.reason : new DeliveryError("network", "The delivery was cancelled", { retryable: true });
}

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

/** The process's pooled agents (the SSRF guard's, kept alive); tests that inject a resolver get fresh ones. */
let pooled: GuardedAgents | undefined;
const agentsFor = (lookup: LookupFunction | undefined): GuardedAgents => (lookup ? guardedAgents({ lookup }) : (pooled ??= guardedAgents({ keepAlive: true })));

/** Errors of a pooled connection that the peer closed before it read our request. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

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
  if (opts.signal?.aborted) throw abortError(opts.signal);

  const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : Buffer.from(req.body);
  const headers: Record<string, string> = { ...req.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) headers["content-length"] = String(body.length);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "user-agent")) headers["user-agent"] = "Tracecast";

  const transport = url.protocol === "https:" ? https : http;
  const started = performance.now();

  const agent = guardedAgentFor(agentsFor(opts.lookup), url);

  return new Promise<HttpResult>((resolve, reject) => {
    let settled = false;
    let request: http.ClientRequest;
    const finish = (error: DeliveryError | null, result?: HttpResult, keepConnection = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener("abort", onAbort);
      // A connection goes back to the pool only after a whole answer was read; otherwise (an
      // error, the deadline, an answer cut at the excerpt cap) it is closed.
      if (!keepConnection) request.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const deadline = setTimeout(
      () => finish(new DeliveryError("timeout", `${url.host} did not answer within ${opts.timeoutMs} ms`, { retryable: true })),
      opts.timeoutMs,
    );
    const onAbort = () => finish(abortError(opts.signal!));
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const start = (mayRetry: boolean) => {
      // The guard's agent resolves and checks the address it connects to (IP literals included),
      // and checks a pooled connection's peer again before reusing it.
      const sent = transport.request(url, { method: req.method, headers, agent });
      request = sent;
      sent.on("error", (err: NodeJS.ErrnoException) => {
        // An error of a request given up for a retry is not this send's.
        if (settled || sent !== request) return;
        if (err instanceof DeliveryError) return finish(err);
        if (mayRetry && sent.reusedSocket && err.code && STALE_CONNECTION.has(err.code)) return start(false);
        finish(new DeliveryError("network", `Could not reach ${url.host}: ${err.code ?? err.message}`, { retryable: true, cause: err }));
      });
      sent.on("response", onResponse);
      sent.end(body);
    };

    function onResponse(res: http.IncomingMessage) {
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
        if (status >= 200 && status < 300) return finish(null, { status, body: responseBody, headers: responseHeaders, latencyMs }, !truncated);
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
    }

    start(true);
  });
}

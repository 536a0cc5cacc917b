// The proxy's HTTP leg to the upstream provider, and the relay of its answer to the caller.
//
// node:http/https rather than fetch, for the same reason as lib/outbound/send.ts: the SSRF
// guard's agents check the address actually connected to. Unlike destination delivery, the proxy
// pools connections (a TLS handshake per LLM call would add tens of milliseconds); that is safe
// because every pooled socket was opened through the guarded lookup.
import http from "node:http";
import https from "node:https";
import { DeliveryError } from "@/lib/outbound/errors";
import { guardedAgentFor, guardedAgents } from "@/lib/outbound/ssrf";
import { ProxyError } from "./openai-error";

/** Longest silence from the upstream (reasoning models can think for minutes before answering). */
const IDLE_TIMEOUT_MS = Number(process.env.TRACECAST_PROXY_TIMEOUT_MS ?? 600_000);

const agents = guardedAgents({ keepAlive: true });

export type UpstreamRequest = {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** Aborts the upstream call (the caller went away). */
  signal: AbortSignal;
};

/** Sends the request; resolves when the upstream's status and headers arrive (the body still streams). */
export async function requestUpstream(call: UpstreamRequest): Promise<http.IncomingMessage> {
  const { url } = call;
  const transport = url.protocol === "https:" ? https : http;
  const body = Buffer.from(call.body, "utf8");
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: "POST",
      headers: { ...call.headers, "content-length": String(body.length) },
      agent: guardedAgentFor(agents, url),
      signal: call.signal,
      timeout: IDLE_TIMEOUT_MS,
    });
    request.on("timeout", () =>
      request.destroy(new ProxyError(504, "api_error", `The upstream ${url.host} did not answer within ${IDLE_TIMEOUT_MS} ms`, null, "upstream_timeout")),
    );
    request.on("error", (err) => reject(err instanceof ProxyError ? err : unreachable(url, err)));
    request.on("response", resolve);
    request.end(body);
  });
}

function unreachable(url: URL, err: unknown): ProxyError {
  if (err instanceof DeliveryError && err.kind === "blocked_target")
    return new ProxyError(502, "api_error", `The upstream URL is not allowed: ${err.message}`, null, "upstream_blocked");
  const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new ProxyError(502, "api_error", `Could not reach the upstream ${url.host}: ${reason}`, null, "upstream_unreachable");
}

export type RelayEnd = { kind: "complete" } | { kind: "cancelled" } | { kind: "failed"; message: string };

export type RelayObserver = {
  /** Sees each upstream chunk as it arrives; returns the bytes to send on (the chunk itself, a part, or nothing). */
  chunk(bytes: Buffer): Buffer | undefined;
  /** At the upstream's end: bytes still held back (an unfinished last event), sent before closing. */
  flush(): Buffer | undefined;
  /** Called once, after the last byte went to the caller (or the relay stopped). */
  end(outcome: RelayEnd): void;
};

/**
 * The upstream body as a web stream for the Response, chunk by chunk as the upstream sends it.
 * Backpressure is passed on (the upstream socket pauses while the caller is not reading); the
 * caller going away (stream cancelled) destroys the upstream request.
 */
export function relay(upstream: http.IncomingMessage, observer: RelayObserver): ReadableStream<Uint8Array> {
  let ended = false;
  const finish = (outcome: RelayEnd) => {
    if (ended) return;
    ended = true;
    observer.end(outcome);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        upstream.on("data", (chunk: Buffer) => {
          if (ended) return;
          const out = observer.chunk(chunk);
          if (out && out.length) controller.enqueue(out);
          if ((controller.desiredSize ?? 1) <= 0) upstream.pause();
        });
        upstream.on("end", () => {
          if (ended) return;
          const rest = observer.flush();
          if (rest && rest.length) controller.enqueue(rest);
          controller.close();
          finish({ kind: "complete" });
        });
        upstream.on("error", (err) => {
          if (ended) return;
          controller.error(err);
          finish({ kind: "failed", message: `The upstream connection broke mid-response: ${err.message}` });
        });
      },
      pull() {
        upstream.resume();
      },
      cancel() {
        finish({ kind: "cancelled" });
        upstream.destroy();
      },
    },
    // A few chunks of slack so a momentarily slow reader does not ping-pong the socket.
    new CountQueuingStrategy({ highWaterMark: 16 }),
  );
}

// The hot API routes (ingestion and the capture proxy), served straight from node:http.
//
// Why: Next.js's request pipeline costs ~2.3 ms of CPU per request on this class of machine even
// for a 401 answered before any database work (docs/benchmarks.md, "Ingest analysis"), about ten
// times the whole cost of a bare node:http server. For single-trace ingestion and the proxy that
// pipeline was most of the work. These routes need none of it: no pages, cookies, sessions or
// middleware, just a Request in and a Response out.
//
// How: instrumentation.ts builds these from the routes' own handlers, the same functions the app
// router serves (built with defineRoute, so authentication, validation and the error shape are
// unchanged), and passes them to scripts/server.mjs (lib/process/front-server.ts), which puts a
// node:http listener in front of Next.js and hands a request to Next.js only when no direct route takes it. Under `next dev` or
// `next start` nothing changes: Next.js serves the same handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ResponseScope, settleAfterResponseWork, withResponseScope } from "@/lib/api/after-response";
import { ApiError } from "@/lib/errors";
import { JsonReply } from "@/lib/api/reply";
import { closeDatabase } from "@/lib/db";
import { tooLarge, routeAnswer, type RouteAnswer, type RouteRequest } from "@/lib/api/route";

export type RouteHandler = (req: RouteRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** What instrumentation.ts passes to scripts/server.mjs (lib/process/front-server.ts). */
export type DirectRoutes = {
  /** Serves the request and returns true, or returns false (without touching it) for Next.js to serve. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Resolves when the work answered requests left running (trace recordings, dispatcher kicks) is done: before exiting. */
  settle(): Promise<void>;
  /** Closes the database (last, before exiting: the embedded one finishes the statement it is running instead of being cut off). */
  closeDatabase(): Promise<void>;
};

/**
 * Serves POST handlers by exact path (no dynamic segments: none of the hot routes has one). Only
 * handlers built by defineRoute: a route served here must authenticate like any other.
 */
export function createDirectRoutes(postRoutes: Record<string, RouteHandler>): DirectRoutes {
  const bodyTimeoutMs = bodyTimeoutMsFromEnv();
  const routes = new Map(
    Object.entries(postRoutes).map(([path, handler]) => {
      const answer = routeAnswer(handler);
      if (!answer) throw new Error(`direct route ${path} is not built with defineRoute`);
      return [path, answer];
    }),
  );
  return {
    serve(req, res) {
      if (req.method !== "POST") return false;
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const answer = routes.get(query === -1 ? url : url.slice(0, query));
      if (!answer) return false;
      void serveWith(answer, req, res, bodyTimeoutMs);
      return true;
    },
    settle: settleAfterResponseWork,
    closeDatabase,
  };
}

const NO_PARAMS = { params: Promise.resolve({}) };

/**
 * TRACECAST_BODY_TIMEOUT_MS (default 30 s): a request's body must have arrived this long after the
 * request did, or it is answered 408. Without it a caller trickling its body (valid key or not)
 * held a connection and a handler for as long as node's own request timeout (minutes).
 */
export function bodyTimeoutMsFromEnv(env: Record<string, string | undefined> = process.env): number {
  return z.coerce.number().int().positive().default(30_000).parse(env.TRACECAST_BODY_TIMEOUT_MS || undefined);
}

async function serveWith(answer: RouteAnswer, req: IncomingMessage, res: ServerResponse, bodyTimeoutMs: number): Promise<void> {
  const scope = new ResponseScope();
  const request = new DirectRequest(req, bodyTimeoutMs);
  res.once("close", () => {
    if (!res.writableFinished) request.callerLeft();
    scope.responseSent();
  });
  try {
    const answered = await withResponseScope(scope, () => answer(request, NO_PARAMS));
    if (res.destroyed) return;
    // Answered without reading the whole body (a missing or invalid key, a rate limit, a body that
    // did not arrive in time): the rest of it is not waited for, the connection closes after the answer.
    if (!req.complete) res.shouldKeepAlive = false;
    if (answered instanceof JsonReply) writeJson(answered, res);
    else await writeResponse(answered, res);
  } catch (err) {
    // defineRoute answers every error itself; this is the adapter failing (or the caller leaving).
    if (res.destroyed) return;
    console.error(`[api] POST ${req.url} failed in the direct route adapter`, err);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal_error", message: "Something went wrong on our side; nothing was changed." } }));
    } else res.destroy();
  }
}

/**
 * The RouteRequest of a node:http request. The body is read only when the handler asks for it
 * (after authentication: a request without a valid key is answered without reading its body), in
 * full, with a byte cap and the body deadline. Headers are read from node's own parsed copy, and
 * the AbortSignal is built on first use: only the proxy needs one.
 */
class DirectRequest implements RouteRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Pick<Headers, "get">;
  readonly body = null;
  readonly clientAddress?: string;
  readonly #req: IncomingMessage;
  readonly #bodyTimeoutMs: number;
  /** performance.now() by which the body must have arrived. */
  readonly #bodyDeadline: number;
  #callerGone = false;
  #abort?: AbortController;

  constructor(req: IncomingMessage, bodyTimeoutMs: number) {
    this.#req = req;
    this.#bodyTimeoutMs = bodyTimeoutMs;
    this.#bodyDeadline = performance.now() + bodyTimeoutMs;
    this.method = req.method ?? "POST";
    this.url = `http://${req.headers.host ?? "localhost"}${req.url}`;
    // headersDistinct keeps every value of a repeated header; joined with ", " as Headers.get does.
    this.headers = { get: (name) => req.headersDistinct[name.toLowerCase()]?.join(", ") ?? null };
    this.clientAddress = req.socket.remoteAddress;
  }

  readBody(maxBytes: number): Promise<Uint8Array> {
    const req = this.#req;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = (err?: Error) => {
        clearTimeout(timer);
        req.off("data", onData).off("end", onEnd).off("close", onClose);
        if (err) {
          req.pause();
          reject(err);
        } else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      };
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > maxBytes) settle(tooLarge(maxBytes));
        else chunks.push(chunk);
      };
      const onEnd = () => settle();
      const onClose = () => {
        if (!req.complete) settle(new ApiError(400, "incomplete_body", "The caller left before sending the whole body"));
      };
      const timer = setTimeout(() => {
        const message = `The request body did not arrive within ${this.#bodyTimeoutMs / 1000} s of the request`;
        settle(new ApiError(408, "request_timeout", message));
      }, Math.max(0, this.#bodyDeadline - performance.now()));
      req.on("data", onData).once("end", onEnd).once("close", onClose);
      // The caller may have left while the request was being authenticated.
      if (req.destroyed) onClose();
    });
  }

  /** Aborted when the caller leaves before the response is complete (the proxy then aborts its upstream call). */
  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController();
      if (this.#callerGone) this.#abort.abort();
    }
    return this.#abort.signal;
  }

  callerLeft(): void {
    this.#callerGone = true;
    this.#abort?.abort();
  }
}

function writeJson(reply: JsonReply, res: ServerResponse): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...reply.headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Relays the response as it is produced: an event stream's chunks go out as they arrive. Any other
 * body is held back by one chunk, so a body of one chunk (every JSON answer) leaves in one write
 * with a Content-Length instead of a chunked body and its terminator in two.
 */
async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  const isEventStream = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  // An event stream's headers go out at once, before its first event.
  if (isEventStream) res.flushHeaders();
  const reader = response.body.getReader();
  // The caller leaving cancels the body (a relayed upstream answer then stops being read).
  const cancel = () => {
    if (!res.writableFinished) void reader.cancel().catch(() => {});
  };
  res.once("close", cancel);
  try {
    let held: Uint8Array | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (res.destroyed) return;
      if (done) break;
      if (held && !res.write(held)) await drained(res);
      held = value;
      if (isEventStream) {
        if (!res.write(held)) await drained(res);
        held = undefined;
      }
    }
    if (held && !res.headersSent) res.setHeader("content-length", held.byteLength);
    res.end(held);
  } finally {
    res.off("close", cancel);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

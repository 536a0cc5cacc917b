// The hot API routes (ingestion and the capture proxy), served straight from node:http.
//
// Why: Next.js's request pipeline costs ~2.3 ms of CPU per request on this class of machine even
// for a 401 answered before any database work (docs/benchmarks.md, "Ingest analysis"), about ten
// times the whole cost of a bare node:http server. For single-trace ingestion and the proxy that
// pipeline was most of the work. These routes need none of it: no pages, cookies, sessions or
// middleware, just a Request in and a Response out.
//
// How: instrumentation.ts registers the routes' own handlers here, the same functions the app
// router serves (built with defineRoute, so authentication, validation and the error shape are
// unchanged). scripts/server.mjs, the production server, puts a node:http listener in front of
// Next.js and hands a request to Next.js only when no direct route takes it. Under `next dev` or
// `next start` nothing changes: Next.js serves the same handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { ResponseScope, settleAfterResponseWork, withResponseScope } from "@/lib/api/after-response";
import { JsonReply } from "@/lib/api/reply";
import { closeDatabase } from "@/lib/db";
import { routeAnswer, type RouteAnswer, type RouteRequest } from "@/lib/api/route";

export type RouteHandler = (req: RouteRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** What scripts/server.mjs finds on globalThis once instrumentation has run. */
export type DirectRoutes = {
  /** Serves the request and returns true, or returns false (without touching it) for Next.js to serve. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Resolves when the work answered requests left running (trace recordings, dispatcher kicks) is done: before exiting. */
  settle(): Promise<void>;
  /** Closes the database (last, before exiting: the embedded one finishes the statement it is running instead of being cut off). */
  closeDatabase(): Promise<void>;
};

const GLOBAL_KEY = "__tracecastDirectRoutes";

/**
 * Serves POST handlers by exact path (no dynamic segments: none of the hot routes has one). Only
 * handlers built by defineRoute: a route served here must authenticate like any other.
 */
export function createDirectRoutes(postRoutes: Record<string, RouteHandler>): DirectRoutes {
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
      void serveWith(answer, req, res);
      return true;
    },
    settle: settleAfterResponseWork,
    closeDatabase,
  };
}

/** Makes the routes available to scripts/server.mjs (called from instrumentation.ts). */
export function registerDirectRoutes(postRoutes: Record<string, RouteHandler>): void {
  (globalThis as Record<string, unknown>)[GLOBAL_KEY] = createDirectRoutes(postRoutes);
}

const NO_PARAMS = { params: Promise.resolve({}) };

/**
 * Bodies up to this size, announced by Content-Length, are read before the handler runs and passed
 * as one buffer: a typical trace or chat request, for which a streamed web body cost more CPU than
 * everything else the adapter does. Larger or unannounced bodies stream, so the handler's own byte
 * limit still applies before they are read in full.
 */
const BUFFERED_BODY_BYTES = 64 * 1024;

async function serveWith(answer: RouteAnswer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const scope = new ResponseScope();
  // Set once the body is read: from then on, the caller leaving aborts the request's signal.
  let request: DirectRequest | undefined;
  res.once("close", () => {
    if (!res.writableFinished) request?.callerLeft();
    scope.responseSent();
  });
  try {
    const declared = Number(req.headers["content-length"]);
    const current = declared <= BUFFERED_BODY_BYTES ? new DirectRequest(req, await readSmallBody(req)) : new DirectRequest(req);
    request = current;
    if (res.destroyed) current.callerLeft();
    const answered = await withResponseScope(scope, () => answer(current, NO_PARAMS));
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

function readSmallBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    // Node allocates request chunks on plain ArrayBuffers (never shared memory).
    req.once("end", () => resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) as Uint8Array<ArrayBuffer>));
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete) reject(new Error("the caller left before sending the whole body"));
    });
  });
}

/**
 * The RouteRequest of a node:http request. Headers are read from node's own parsed copy, and the
 * AbortSignal is built on first use: only the proxy needs one.
 */
class DirectRequest implements RouteRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Pick<Headers, "get">;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bufferedBody?: Uint8Array;
  readonly clientAddress?: string;
  #callerGone = false;
  #abort?: AbortController;

  constructor(req: IncomingMessage, bufferedBody?: Uint8Array) {
    this.method = req.method ?? "POST";
    this.url = `http://${req.headers.host ?? "localhost"}${req.url}`;
    // headersDistinct keeps every value of a repeated header; joined with ", " as Headers.get does.
    this.headers = { get: (name) => req.headersDistinct[name.toLowerCase()]?.join(", ") ?? null };
    this.bufferedBody = bufferedBody;
    this.clientAddress = req.socket.remoteAddress;
    this.body = bufferedBody ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
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

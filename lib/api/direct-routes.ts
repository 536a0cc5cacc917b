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
import { routeAuth } from "@/lib/api/route";

export type RouteHandler = (req: Request, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** What scripts/server.mjs finds on globalThis once instrumentation has run. */
export type DirectRoutes = {
  /** Serves the request and returns true, or returns false (without touching it) for Next.js to serve. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Resolves when the work answered requests left running (trace recordings, dispatcher kicks) is done: before exiting. */
  settle(): Promise<void>;
};

const GLOBAL_KEY = "__tracecastDirectRoutes";

/**
 * Serves POST handlers by exact path (no dynamic segments: none of the hot routes has one). Only
 * handlers built by defineRoute: a route served here must authenticate like any other.
 */
export function createDirectRoutes(postRoutes: Record<string, RouteHandler>): DirectRoutes {
  for (const [path, handler] of Object.entries(postRoutes)) {
    if (!routeAuth(handler)) throw new Error(`direct route ${path} is not built with defineRoute`);
  }
  const routes = new Map(Object.entries(postRoutes));
  return {
    serve(req, res) {
      if (req.method !== "POST") return false;
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const handler = routes.get(query === -1 ? url : url.slice(0, query));
      if (!handler) return false;
      void serveWith(handler, req, res);
      return true;
    },
    settle: settleAfterResponseWork,
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

async function serveWith(handler: RouteHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The caller leaving aborts the request's signal (the proxy then aborts its upstream call).
  const callerGone = new AbortController();
  const scope = new ResponseScope();
  res.once("close", () => {
    if (!res.writableFinished) callerGone.abort();
    scope.responseSent();
  });
  try {
    const declared = Number(req.headers["content-length"]);
    const body = declared <= BUFFERED_BODY_BYTES ? await readSmallBody(req) : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
    const response = await withResponseScope(scope, () => handler(toRequest(req, body, callerGone.signal), NO_PARAMS));
    await writeResponse(response, res, callerGone.signal);
  } catch (err) {
    // defineRoute answers every error itself; this is the adapter failing (or the caller leaving).
    if (callerGone.signal.aborted) return;
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

function toRequest(req: IncomingMessage, body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const host = req.headers.host ?? "localhost";
  return new Request(`http://${host}${req.url}`, {
    method: req.method,
    headers,
    body,
    signal,
    // Node's fetch needs it for a streamed request body; not yet in the DOM typings.
    ...{ duplex: "half" },
  });
}

/** Relays the response as it is produced (a proxied stream's chunks go out as they arrive). */
async function writeResponse(response: Response, res: ServerResponse, callerGone: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // An event stream's headers go out at once, before its first event.
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  callerGone.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (callerGone.aborted) return;
    }
    res.end();
  } finally {
    callerGone.removeEventListener("abort", cancel);
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

// The direct routes: ingestion and the proxy served by node:http without Next.js's request pipeline
// (lib/api/direct-routes.ts, scripts/server.mjs). The proxy suites (tests/capture-proxy) run through the same
// adapter; this file covers the table, dispatch, ingestion over a real socket and after-response tasks.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DIRECT_POST_ROUTES } from "@/app/api/v1/direct-routes";
import { afterResponse } from "@/lib/api/after-response";
import { ApiError } from "@/lib/errors";
import { createDirectRoutes } from "@/lib/api/direct-routes";
import { defineRoute } from "@/lib/api/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { LIMITS } from "@/lib/traces/schema";
import { serveDirectRoutes, type RouteServer } from "../support/direct-routes";

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One request on a fresh connection; `chunked` sends the body without a Content-Length. */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "POST", headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (opts.body === undefined) return void req.end();
    if (!opts.chunked) req.setHeader("content-length", Buffer.byteLength(opts.body));
    // Several writes, so a chunked body really arrives in pieces.
    const body = Buffer.from(opts.body);
    const piece = 256 * 1024;
    for (let at = 0; at < body.length; at += piece) req.write(body.subarray(at, at + piece));
    req.end();
  });
}

describe("the route table", () => {
  it.each(Object.entries(DIRECT_POST_ROUTES))("serves %s with the POST handler of that path's route file", async (urlPath, handler) => {
    const file = path.resolve("app", `.${urlPath}`, "route.ts");
    expect(fs.existsSync(file)).toBe(true);
    const mod: Record<string, unknown> = await import(file);
    expect(mod.POST).toBe(handler);
  });

  it("refuses a handler that was not built with defineRoute", () => {
    expect(() => createDirectRoutes({ "/api/v1/unchecked": async () => new Response("ok") })).toThrow(/not built with defineRoute/);
  });
});

describe("ingestion over node:http", () => {
  let server: RouteServer;
  let secret: string;
  let workspaceId: string;
  const url = () => `${server.url}/api/v1/traces`;
  const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${secret}` });
  const trace = {
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: "Hello" }] },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.500Z" },
  };

  beforeAll(async () => {
    server = await serveDirectRoutes();
    const workspace = await prisma.workspace.create({ data: { name: "Direct", kind: "organization" } });
    workspaceId = workspace.id;
    ({ secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name: "Direct", actor: null })));
  });
  afterAll(() => server?.close());

  it("accepts a trace (202 with its id, stored, session from x-session-id) and reads a query string past the path", async () => {
    const answer = await request(`${url()}?source=test`, { headers: { ...headers(), "x-session-id": "session-direct" }, body: JSON.stringify(trace) });
    expect(answer.status).toBe(202);
    expect(answer.headers["content-type"]).toMatch(/application\/json/);
    const { ids } = JSON.parse(answer.body) as { ids: string[] };
    expect(ids).toHaveLength(1);
    const stored = await prisma.tracePayload.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(stored.workspaceId).toBe(workspaceId);
    expect((stored.data as { session_id?: string }).session_id).toBe("session-direct");
  });

  it("answers errors in the API's shape: 401, 415, 400 naming the field", async () => {
    const unauthenticated = await request(url(), { headers: { "content-type": "application/json" }, body: JSON.stringify(trace) });
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.body).error.code).toBe("unauthorized");

    const wrongType = await request(url(), { headers: { ...headers(), "content-type": "text/plain" }, body: "hello" });
    expect(wrongType.status).toBe(415);

    const invalid = await request(url(), { headers: headers(), body: JSON.stringify({ ...trace, model: 42 }) });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error.fields).toEqual([expect.objectContaining({ path: "model" })]);
  });

  it("refuses a body over the limit with 413, also when it comes chunked without a Content-Length, and stores nothing", async () => {
    const before = await prisma.tracePayload.count({ where: { workspaceId } });
    const oversized = JSON.stringify({ ...trace, request: { messages: [{ role: "user", content: "x".repeat(LIMITS.bodyBytes) }] } });
    for (const chunked of [false, true]) {
      const answer = await request(url(), { headers: headers(), body: oversized, chunked });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.message).toContain(String(LIMITS.bodyBytes));
    }
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(before);
  });

  it("lets a caller leave halfway through its body without an error or a stored trace, and keeps serving", async () => {
    const errors = vi.spyOn(console, "error");
    const before = await prisma.tracePayload.count({ where: { workspaceId } });
    const body = JSON.stringify(trace);
    await new Promise<void>((resolve) => {
      const req = http.request(url(), { method: "POST", headers: { ...headers(), "content-length": Buffer.byteLength(body) }, agent: false });
      req.on("error", () => resolve());
      req.write(body.slice(0, 20), () => setTimeout(() => req.destroy(), 50));
    });
    expect((await request(url(), { headers: headers(), body })).status).toBe(202);
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(before + 1);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  it("leaves other methods and paths to Next.js", async () => {
    for (const [method, target] of [["GET", url()], ["POST", `${url()}/`], ["POST", `${server.url}/api/v1/other`]] as const) {
      const answer = await request(target, { method, headers: headers(), body: method === "POST" ? JSON.stringify(trace) : undefined });
      expect([method, target, answer.status, answer.headers["x-served-by"]]).toEqual([method, target, 404, "fallback"]);
    }
  });
});

describe("the request and response a handler gets from the adapter", () => {
  it("reads headers as Headers.get does (every value of a repeated header, joined), the URL and a buffered body", async () => {
    const handler = defineRoute({ auth: { kind: "public" }, body: z.object({ n: z.number() }) }, async ({ req, body }) =>
      Response.json({ multi: req.headers.get("Referer"), missing: req.headers.get("x-missing"), url: req.url, n: body.n }),
    );
    const server = await serveDirectRoutes(createDirectRoutes({ "/echo": handler }));
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = http.request(`${server.url}/echo?q=1`, { method: "POST", agent: false, headers: ["host", new URL(server.url).host, "content-type", "application/json", "content-length", "7", "referer", "a", "referer", "b"] }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        });
        req.on("error", reject);
        req.end('{"n":7}');
      });
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ multi: "a, b", missing: null, url: `${server.url}/echo?q=1`, n: 7 });
      // A one-chunk answer goes out whole, with its length, not as a chunked body.
      expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(answer.body)));
      expect(answer.headers["transfer-encoding"]).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("writes a JSON reply (an error here) whole, with its status, headers and length", async () => {
    const handler = defineRoute({ auth: { kind: "public" } }, async () => {
      throw new ApiError(429, "rate_limited", "Slow down", undefined, { "Retry-After": "3" });
    });
    const server = await serveDirectRoutes(createDirectRoutes({ "/limited": handler }));
    try {
      const answer = await request(`${server.url}/limited`);
      expect([answer.status, answer.headers["retry-after"], answer.headers["content-type"]]).toEqual([429, "3", "application/json"]);
      expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(answer.body)));
      expect(JSON.parse(answer.body)).toEqual({ error: { code: "rate_limited", message: "Slow down" } });
    } finally {
      await server.close();
    }
  });

  it("relays a body of several chunks in full (chunked), and an event stream's first chunk before its last is produced", async () => {
    let finishStream!: () => void;
    const streamFinished = new Promise<void>((resolve) => (finishStream = resolve));
    const chunksOf = (parts: string[], waitBeforeLast?: Promise<void>) =>
      new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const [i, part] of parts.entries()) {
            if (i === parts.length - 1) await waitBeforeLast;
            controller.enqueue(new TextEncoder().encode(part));
            await new Promise((r) => setTimeout(r, 10));
          }
          controller.close();
        },
      });
    const server = await serveDirectRoutes(
      createDirectRoutes({
        "/chunks": defineRoute({ auth: { kind: "public" } }, async () => new Response(chunksOf(["one,", "two,", "three"]), { headers: { "content-type": "text/plain" } })),
        "/events": defineRoute({ auth: { kind: "public" } }, async () => new Response(chunksOf(["data: 1\n\n", "data: 2\n\n"], streamFinished), { headers: { "content-type": "text/event-stream" } })),
      }),
    );
    try {
      const chunked = await request(`${server.url}/chunks`);
      expect([chunked.body, chunked.headers["transfer-encoding"]]).toEqual(["one,two,three", "chunked"]);

      const firstEvent = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${server.url}/events`, { method: "POST", agent: false }, (res) => res.once("data", (c: Buffer) => resolve(c.toString())));
        req.on("error", reject);
        req.end();
      });
      expect(firstEvent).toContain("data: 1");
    } finally {
      finishStream();
      await server.close();
    }
  });

  it("aborts the request's signal when the caller has left, also when the handler first asks for it afterwards", async () => {
    let callerLeft!: () => void;
    const left = new Promise<void>((resolve) => (callerLeft = resolve));
    let signalSeen!: (aborted: boolean) => void;
    const seen = new Promise<boolean>((resolve) => (signalSeen = resolve));
    const handler = defineRoute({ auth: { kind: "public" } }, async ({ req }) => {
      await left;
      await new Promise((r) => setTimeout(r, 50));
      signalSeen(req.signal.aborted);
      return Response.json({ ok: true });
    });
    const server = await serveDirectRoutes(createDirectRoutes({ "/slow": handler }));
    try {
      const req = http.request(`${server.url}/slow`, { method: "POST", agent: false });
      req.on("error", () => {});
      req.end(() => setTimeout(() => (req.destroy(), callerLeft()), 50));
      expect(await seen).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("after-response tasks", () => {
  it("run once the response is out, not while the handler is still answering; tasks added later run at once", async () => {
    const events: string[] = [];
    let lateTaskRan!: () => void;
    const lateTask = new Promise<void>((resolve) => (lateTaskRan = resolve));
    const handler = defineRoute({ auth: { kind: "public" } }, async () => {
      afterResponse(() => void events.push("task"));
      // A detached task would have run during these turns of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      events.push("handler returned");
      // What the proxy does: work still running after the response schedules more.
      setTimeout(() => afterResponse(() => lateTaskRan()), 50);
      return Response.json({ ok: true });
    });
    const server = await serveDirectRoutes(createDirectRoutes({ "/after": handler }));
    try {
      const answer = await request(`${server.url}/after`);
      expect(answer.status).toBe(200);
      await expect.poll(() => events).toEqual(["handler returned", "task"]);
      await lateTask;
    } finally {
      await server.close();
    }
  });

  it("are waited for by settle() (what the production server does before exiting), including work they start", async () => {
    const finished: string[] = [];
    const later = (ms: number, name: string) => new Promise<void>((resolve) => setTimeout(() => (finished.push(name), resolve()), ms));
    const handler = defineRoute({ auth: { kind: "public" } }, async () => {
      afterResponse(later(150, "running work"));
      afterResponse(async () => {
        await later(50, "task");
        afterResponse(() => later(100, "task started by a task"));
      });
      return Response.json({ ok: true });
    });
    const routes = createDirectRoutes({ "/settle": handler });
    const server = await serveDirectRoutes(routes);
    try {
      expect((await request(`${server.url}/settle`)).status).toBe(200);
      expect(finished).toEqual([]);
      await routes.settle();
      expect(finished.sort()).toEqual(["running work", "task", "task started by a task"]);
    } finally {
      await server.close();
    }
  });
});

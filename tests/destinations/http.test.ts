import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineDestination, field } from "@/lib/destinations/define";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { send } from "@/lib/outbound/send";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end("ok");
const received: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
let server: http.Server;
let base = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body, url: req.url ?? "" });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path = "/ingest", headers: Record<string, string> = {}) =>
  ({ method: "POST", url: `${base}${path}`, headers: { "content-type": "application/json", ...headers }, body: '{"a":1}', traceCount: 1 }) as const;

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe("send", () => {
  it("returns status, body, headers and latency on 2xx, sending body and headers as given", async () => {
    handler = (_req, _body, res) => res.writeHead(202, { "x-request-id": "r1" }).end('{"accepted":1}');
    const result = await send(post("/ingest", { authorization: "Bearer s3cr3t" }), { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 202, body: '{"accepted":1}', headers: { "x-request-id": "r1" } });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const last = received.at(-1)!;
    expect(last.body).toBe('{"a":1}');
    expect(last.headers.authorization).toBe("Bearer s3cr3t");
    expect(last.headers["content-length"]).toBe("7");
  });

  it("classifies 503 as retryable and parses Retry-After", async () => {
    handler = (_req, _body, res) => res.writeHead(503, { "retry-after": "7" }).end("overloaded");
    const err = await failure(send(post(), { timeoutMs: 5000 }));
    expect(err).toMatchObject({ kind: "http", status: 503, retryable: true, retryAfterMs: 7000, responseBody: "overloaded" });
  });

  it("classifies 400 as permanent with a body excerpt", async () => {
    handler = (_req, _body, res) => res.writeHead(400).end('{"error":"bad field: model"}');
    const err = await failure(send(post(), { timeoutMs: 5000 }));
    expect(err).toMatchObject({ kind: "http", status: 400, retryable: false, responseBody: '{"error":"bad field: model"}' });
  });

  it("does not follow redirects", async () => {
    handler = (_req, _body, res) => res.writeHead(307, { location: "http://169.254.169.254/" }).end();
    const err = await failure(send(post(), { timeoutMs: 5000 }));
    expect(err).toMatchObject({ kind: "http", status: 307, retryable: false });
  });

  it("cuts a huge response body to an excerpt", async () => {
    handler = (_req, _body, res) => res.writeHead(500).end("x".repeat(200_000));
    const err = await failure(send(post(), { timeoutMs: 5000 }));
    expect(err.responseBody!.length).toBeLessThan(10_000);
    expect(err.responseBody!.endsWith("…")).toBe(true);
  });

  it("times out a silent server as a retryable timeout", async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const err = await failure(send(post(), { timeoutMs: 300 }));
    expect(err).toMatchObject({ kind: "timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("reports connection refused as a retryable network error", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await failure(send({ ...post(), url: `http://127.0.0.1:${port}/` }, { timeoutMs: 5000 }));
    expect(err).toMatchObject({ kind: "network", retryable: true });
  });

  it("resolves hostnames through the guarded lookup: localhost is refused unless private targets are allowed", async () => {
    handler = (_req, _body, res) => res.end("ok");
    const viaName = { ...post(), url: post().url.replace("127.0.0.1", "localhost") };
    expect((await send(viaName, { timeoutMs: 5000 })).status).toBe(200);
    const previous = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
    try {
      const err = await failure(send(viaName, { timeoutMs: 5000 }));
      expect(err).toMatchObject({ kind: "blocked_target", retryable: false });
      // Refused when resolving a new connection, or when reusing the pooled one opened while allowed.
      expect(err.message).toMatch(/localhost resolves to|The connection is to 127\.0\.0\.1/);
    } finally {
      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = previous;
    }
  });

  it("keeps the connection to a platform alive and reuses it for the next requests", async () => {
    handler = (_req, _body, res) => res.end("ok");
    const connections = new Set<unknown>();
    const count = (socket: unknown) => connections.add(socket);
    server.on("connection", count);
    try {
      for (let i = 0; i < 3; i++) expect((await send(post(), { timeoutMs: 5000 })).status).toBe(200);
    } finally {
      server.off("connection", count);
    }
    expect(connections.size).toBeLessThanOrEqual(1);
  });

  it("sends once more on a new connection when the platform closes a reused one without answering", async () => {
    // A raw server: the first connection answers one request, then closes when the next one
    // arrives on it (the platform's idle timeout firing as the request is sent); later
    // connections answer every request.
    let connectionCount = 0;
    const answered: number[] = [];
    const raw = net.createServer((socket) => {
      const connection = ++connectionCount;
      let requests = 0;
      socket.on("data", (chunk) => {
        if (!chunk.toString("latin1").includes("\r\n\r\n")) return;
        requests++;
        if (connection === 1 && requests === 2) return socket.destroy();
        answered.push(connection);
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/ingest`;
    const request = { ...post(), url, body: "{}" };
    try {
      expect((await send(request, { timeoutMs: 5000 })).status).toBe(200);
      expect((await send(request, { timeoutMs: 5000 })).status).toBe(200);
      expect(answered).toEqual([1, 2]);
    } finally {
      raw.close();
    }
  });

  it("stops when the caller aborts", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await failure(send(post(), { timeoutMs: 10_000, signal: controller.signal }));
    expect(err).toMatchObject({ kind: "network", retryable: true });
  });
});

const testDestination = defineDestination({
  type: "http-test",
  name: "HTTP test",
  category: "Custom",
  description: "test only",
  docsUrl: "https://example.com",
  config: z.object({ url: field.url("URL"), apiKey: field.secret("API key"), headers: field.headers() }),
  maxBatch: 10,
  encode: (traces, config) =>
    traces.map((t) => ({
      method: "POST" as const,
      url: config.url,
      headers: { "content-type": "application/json", "x-api-key": config.apiKey, ...config.headers },
      body: JSON.stringify({ id: t.id, delivery: t.delivery_id, key: config.apiKey, test: t.is_test }),
      traceCount: 1,
    })),
});

describe("deliverBatch / runDestinationTest", () => {
  const config = { url: `PLACEHOLDER`, apiKey: "phc_abcdefghijklmnopqrstuvwxyz", headers: { "x-team": "blue" } };

  it("sends every encoded request and returns their answers", async () => {
    handler = (_req, _body, res) => res.writeHead(200).end("ok");
    const before = received.length;
    const results = await deliverBatch(testDestination, [outbound(sampleTrace({ id: "a" })), outbound(sampleTrace({ id: "b" }))], { ...config, url: `${base}/x` });
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(received.slice(before).map((r) => JSON.parse(r.body).id)).toEqual(["a", "b"]);
  });

  it("reports success with the request shown and every secret masked", async () => {
    handler = (_req, body, res) => res.writeHead(200).end(`echo ${body}`);
    const result = await runDestinationTest(testDestination, { ...config, url: `${base}/x` });
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    expect(JSON.parse(received.at(-1)!.body).test).toBe(true);
    const shown = JSON.stringify(result);
    expect(shown).not.toContain(config.apiKey);
    expect(result.request?.headers["x-api-key"]).toBe("phc_...wxyz");
    // Custom header values are secrets too: masked whole, however short.
    expect(result.request?.headers["x-team"]).toBe("********");
  });

  it("reports a 400 as reachable but rejected", async () => {
    handler = (_req, _body, res) => res.writeHead(400).end("nope");
    const result = await runDestinationTest(testDestination, { ...config, url: `${base}/x` });
    expect(result).toMatchObject({ ok: false, status: 400, responseBody: "nope" });
    expect(result.message).toContain("reachable");
  });
});

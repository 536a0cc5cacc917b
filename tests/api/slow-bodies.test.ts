// 18.9: the direct routes check the API key before reading the body, and give the body a deadline
// (408). Real sockets against the node:http adapter; e2e/slow-requests.spec.ts does the same against
// the production server (scripts/server.mjs) with node's own header and request timeouts.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

process.env.TRACECAST_BODY_TIMEOUT_MS = "1000";

vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

import { bodyTimeoutMsFromEnv } from "@/lib/api/direct-routes";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { serveDirectRoutes, type RouteServer } from "../support/direct-routes";

const TRACE = JSON.stringify({
  model: "openai/gpt-4o-mini",
  request: { messages: [{ role: "user", content: "Hi" }] },
  timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.500Z" },
});

let server: RouteServer;
let secret: string;
let workspaceId: string;
beforeAll(async () => {
  server = await serveDirectRoutes();
  const workspace = await prisma.workspace.create({ data: { name: "Slow", kind: "organization" } });
  workspaceId = workspace.id;
  ({ secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name: "Slow", actor: null })));
});
afterAll(() => server?.close());

/** A raw connection: what it received so far, whether the server closed it, and when the first bytes came. */
function connect(urlPath: string, headers: Record<string, string>, bodyLength: number) {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), "127.0.0.1");
  const state = { received: "", closed: false, firstByteAt: 0 };
  socket.on("data", (chunk) => {
    state.firstByteAt ||= performance.now();
    state.received += chunk.toString();
  });
  socket.on("close", () => (state.closed = true));
  socket.on("error", () => {});
  const head = Object.entries({ host: "127.0.0.1", "content-type": "application/json", "content-length": String(bodyLength), ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.write(`POST ${urlPath} HTTP/1.1\r\n${head}\r\n`);
  return { socket, state };
}

const statusOf = (received: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
const bodyOf = (received: string) => JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };

describe("slow bodies on the direct routes", () => {
  it("answers a body trickling past the deadline with 408 within the bound, closes the connection and stores nothing", async () => {
    const { socket, state } = connect("/api/v1/traces", { authorization: `Bearer ${secret}` }, Buffer.byteLength(TRACE));
    const startedAt = performance.now();
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < TRACE.length - 1 && !state.closed) socket.write(TRACE[sent++]);
    }, 100);
    try {
      await vi.waitFor(() => expect(state.closed).toBe(true), { timeout: 5_000, interval: 50 });
    } finally {
      clearInterval(trickle);
    }
    expect(statusOf(state.received)).toBe(408);
    expect(bodyOf(state.received).error.code).toBe("request_timeout");
    expect(state.received).toMatch(/\r\nconnection: close\r\n/i);
    const waited = state.firstByteAt - startedAt;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(3_000);
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(0);
  });

  it.each([
    ["an invalid key", { authorization: "Bearer tc_" + "0".repeat(40) }],
    ["no key", {}],
  ])("answers a request with %s 401 before its body is sent", async (_, headers: Record<string, string>) => {
    const { socket, state } = connect("/api/v1/traces", headers, 10_000);
    await vi.waitFor(() => expect(state.closed).toBe(true), { timeout: 3_000, interval: 20 });
    expect(statusOf(state.received)).toBe(401);
    expect(bodyOf(state.received).error.code).toBe("unauthorized");
    socket.destroy();
  });

  it("answers the proxy routes 401 before the body as well", async () => {
    const { state } = connect("/api/v1/chat/completions", { authorization: "Bearer tc_" + "1".repeat(40) }, 10_000);
    await vi.waitFor(() => expect(state.closed).toBe(true), { timeout: 3_000, interval: 20 });
    expect(statusOf(state.received)).toBe(401);
  });

  it("accepts a body that arrives in pieces within the deadline, and keeps the connection open", async () => {
    const { socket, state } = connect("/api/v1/traces", { authorization: `Bearer ${secret}` }, Buffer.byteLength(TRACE));
    const half = Math.floor(TRACE.length / 2);
    socket.write(TRACE.slice(0, half));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(TRACE.slice(half));
    await vi.waitFor(() => expect(statusOf(state.received)).toBe(202), { timeout: 3_000, interval: 20 });
    expect(state.closed).toBe(false);
    socket.destroy();
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(1);
  });

  it("reads the deadline from TRACECAST_BODY_TIMEOUT_MS, 30 s by default", () => {
    expect(bodyTimeoutMsFromEnv({})).toBe(30_000);
    expect(bodyTimeoutMsFromEnv({ TRACECAST_BODY_TIMEOUT_MS: "5000" })).toBe(5000);
    expect(() => bodyTimeoutMsFromEnv({ TRACECAST_BODY_TIMEOUT_MS: "soon" })).toThrow();
  });
});

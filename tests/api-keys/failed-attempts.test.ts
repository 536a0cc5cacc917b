// 18.6: failed API-key attempts are limited per client address, on every route that verifies API
// keys (ingestion and the capture proxy), through the real handlers.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

process.env.TRACECAST_API_KEY_MAX_FAILURES = "5";
process.env.TRACECAST_API_KEY_BLOCK_SECONDS = "30";

vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));
vi.mock("@/lib/api-keys/keys", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/api-keys/keys")>();
  return { ...original, hashApiKey: vi.fn(original.hashApiKey) };
});

import { NextRequest } from "next/server";
import { POST } from "@/app/api/v1/traces/route";
import { failedAttemptConfigFromEnv, FailedAttemptLimiter } from "@/lib/api-keys/failed-attempts";
import { hashApiKey, issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { serveDirectRoutes, type RouteServer } from "../support/direct-routes";
import { postOverHttp } from "../support/http";

const TRACE = JSON.stringify({
  model: "openai/gpt-4o-mini",
  request: { messages: [{ role: "user", content: "Hi" }] },
  timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.500Z" },
});
const CHAT = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
const RESPONSES = JSON.stringify({ model: "openai/gpt-4o-mini", input: "Hi" });
const WRONG_KEY = "tc_" + "x".repeat(40);

let server: RouteServer;
let secret: string;
beforeAll(async () => {
  server = await serveDirectRoutes();
  const workspace = await prisma.workspace.create({ data: { name: "Guessed", kind: "organization" } });
  ({ secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: "Real", actor: null })));
});
afterAll(() => server?.close());

/** A POST from the loopback address `from` (127.0.0.1, 127.0.0.2…: distinct clients on one machine). */
const send = (urlPath: string, key: string, body: string, from: string) =>
  postOverHttp(`${server.url}${urlPath}`, { "content-type": "application/json", authorization: `Bearer ${key}` }, body, from);

describe("over node:http (the production server's direct routes)", () => {
  it("blocks an address after 5 invalid keys on ingestion and the proxy alike, without hashing its keys; other addresses are not slowed", async () => {
    const attacker = "127.0.0.2";
    for (let i = 0; i < 5; i++) expect((await send("/api/v1/traces", WRONG_KEY, TRACE, attacker)).status).toBe(401);

    vi.mocked(hashApiKey).mockClear();
    for (const [urlPath, body] of [["/api/v1/traces", TRACE], ["/api/v1/chat/completions", CHAT], ["/api/v1/responses", RESPONSES]]) {
      const blocked = await send(urlPath, WRONG_KEY, body, attacker);
      expect(blocked.status, urlPath).toBe(429);
      expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(blocked.headers["retry-after"])).toBeLessThanOrEqual(30);
      expect(JSON.parse(blocked.body).error.code).toBe("too_many_failed_attempts");
    }
    // Refused before the key is hashed (so before any database lookup), even a valid one.
    expect((await send("/api/v1/traces", secret, TRACE, attacker)).status).toBe(429);
    expect(hashApiKey).not.toHaveBeenCalled();

    // Another client with a valid key is served as usual.
    expect((await send("/api/v1/traces", secret, TRACE, "127.0.0.3")).status).toBe(202);
  });

  it("counts failures on the proxy routes too", async () => {
    const attacker = "127.0.0.4";
    for (let i = 0; i < 5; i++) expect((await send("/api/v1/chat/completions", WRONG_KEY, CHAT, attacker)).status).toBe(401);
    expect((await send("/api/v1/responses", WRONG_KEY, RESPONSES, attacker)).status).toBe(429);
  });

  it("does not count valid keys: an address sending only valid keys is never blocked", async () => {
    for (let i = 0; i < 8; i++) expect((await send("/api/v1/traces", secret, TRACE, "127.0.0.5")).status).toBe(202);
  });
});

describe("the Next.js route handler behind a trusted proxy (TRACECAST_TRUSTED_PROXY_HOPS)", () => {
  const post = (key: string, forwardedFor: string) =>
    POST(
      new NextRequest("http://127.0.0.1/api/v1/traces", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-forwarded-for": forwardedFor },
        body: TRACE,
      }),
      { params: Promise.resolve({}) },
    );

  it("takes the address the proxy appended, not what the client wrote before it", async () => {
    process.env.TRACECAST_TRUSTED_PROXY_HOPS = "1";
    try {
      // The client varies the part of X-Forwarded-For it controls; the proxy's entry stays.
      for (let i = 0; i < 5; i++) expect((await post(WRONG_KEY, `10.0.0.${i}, 203.0.113.7`)).status).toBe(401);
      const blocked = await post(WRONG_KEY, "10.0.0.99, 203.0.113.7");
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await post(secret, "203.0.113.8")).status).toBe(202);
    } finally {
      delete process.env.TRACECAST_TRUSTED_PROXY_HOPS;
    }
  });
});

describe("FailedAttemptLimiter", () => {
  it("blocks for longer each time the failures go on, and forgets an address that stops", () => {
    let now = 0;
    const limiter = new FailedAttemptLimiter({ maxFailures: 3, windowMs: 60_000, firstBlockMs: 10_000, maxBlockMs: 40_000 }, () => now);
    const failTimes = (n: number) => {
      for (let i = 0; i < n; i++) limiter.fail("a");
    };
    failTimes(2);
    expect(limiter.retryAfter("a")).toBe(0);
    failTimes(1);
    expect(limiter.retryAfter("a")).toBe(10);
    expect(limiter.retryAfter("b")).toBe(0);
    const blocks: number[] = [];
    for (let round = 0; round < 4; round++) {
      now += limiter.retryAfter("a") * 1000;
      expect(limiter.retryAfter("a")).toBe(0);
      failTimes(3);
      blocks.push(limiter.retryAfter("a"));
    }
    expect(blocks).toEqual([20, 40, 40, 40]);
    // Failures spread wider than the window never add up to a block.
    now += 1_000_000;
    for (let i = 0; i < 10; i++) {
      limiter.fail("a");
      now += 31_000;
    }
    expect(limiter.retryAfter("a")).toBe(0);
    // After a quiet spell the next block is the first one again.
    failTimes(3);
    expect(limiter.retryAfter("a")).toBe(10);
  });

  it("reads its settings from the environment with documented defaults", () => {
    expect(failedAttemptConfigFromEnv({})).toEqual({ maxFailures: 20, windowMs: 60_000, firstBlockMs: 10_000, maxBlockMs: 900_000 });
    expect(() => failedAttemptConfigFromEnv({ TRACECAST_API_KEY_MAX_FAILURES: "many" })).toThrow();
  });
});

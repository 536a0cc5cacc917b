// 18.3: Idempotency-Key on POST /api/v1/traces, through the real route handler (and the direct
// route over node:http) and the real database: a retry gets the first answer and stores nothing.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

import { NextRequest } from "next/server";
import { POST } from "@/app/api/v1/traces/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { deleteExpiredIdempotencyKeys } from "@/lib/delivery/retention";
import { IDEMPOTENCY_KEY_RETENTION_MS } from "@/lib/delivery/retention";
import { serveDirectRoutes, type RouteServer } from "../support/direct-routes";
import { postOverHttp } from "../support/http";

const trace = (content: string) => ({
  model: "openai/gpt-4o-mini",
  request: { messages: [{ role: "user", content }] },
  timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.500Z" },
});

async function workspaceWithKey(name: string) {
  const workspace = await prisma.workspace.create({ data: { name, kind: "organization" } });
  await prisma.destination.create({ data: { workspaceId: workspace.id, type: "webhook", name: "Hook", config: { url: "http://127.0.0.1:9/" } } });
  const { apiKey, secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name, actor: null }));
  return { workspaceId: workspace.id, apiKeyId: apiKey.id, secret };
}

async function post(secret: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await POST(
    new NextRequest("http://127.0.0.1/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}`, ...headers },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, replayed: res.headers.get("idempotent-replayed"), json: (await res.json()) as { ids?: string[]; error?: { code: string; message: string; fields?: { path: string }[] } } };
}

const counts = async (workspaceId: string) => ({
  traces: await prisma.tracePayload.count({ where: { workspaceId } }),
  // Trace × destination pairs routed in the log (TracePayload.routes).
  deliveries: Number(
    (await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "TracePayload" t, jsonb_object_keys(t.routes) WHERE t."workspaceId" = ${workspaceId}`)[0].n,
  ),
});

describe("Idempotency-Key (route handler)", () => {
  it("answers a retry with the first answer (same status and ids) and stores nothing more", async () => {
    const { workspaceId, secret } = await workspaceWithKey("Retry");
    const body = { traces: [trace("one"), trace("two")] };
    const first = await post(secret, body, { "idempotency-key": "order-42-attempt" });
    expect(first.status).toBe(202);
    expect(first.json.ids).toHaveLength(2);
    expect(first.replayed).toBeNull();
    expect(await counts(workspaceId)).toEqual({ traces: 2, deliveries: 2 });

    const retry = await post(secret, body, { "idempotency-key": "order-42-attempt" });
    expect(retry).toEqual({ status: 202, replayed: "true", json: first.json });
    expect(await counts(workspaceId)).toEqual({ traces: 2, deliveries: 2 });

    // Without a key, or with another one, the same body is stored again.
    expect((await post(secret, body)).status).toBe(202);
    expect((await post(secret, body, { "idempotency-key": "order-43" })).status).toBe(202);
    expect(await counts(workspaceId)).toEqual({ traces: 6, deliveries: 6 });
  });

  it("refuses the same key with a different body (or session header) with 422 naming the conflict, storing nothing", async () => {
    const { workspaceId, secret } = await workspaceWithKey("Conflict");
    expect((await post(secret, trace("first"), { "idempotency-key": "k-1" })).status).toBe(202);
    for (const [body, headers] of [[trace("second"), {}], [trace("first"), { "x-session-id": "s-2" }]] as const) {
      const conflict = await post(secret, body, { "idempotency-key": "k-1", ...headers });
      expect(conflict.status).toBe(422);
      expect(conflict.json.error?.code).toBe("idempotency_key_reused");
      expect(conflict.json.error?.fields?.[0].path).toBe("idempotency-key");
    }
    expect((await counts(workspaceId)).traces).toBe(1);
  });

  it("keeps keys per API key", async () => {
    const a = await workspaceWithKey("Key A");
    const b = await workspaceWithKey("Key B");
    const answerA = await post(a.secret, trace("same"), { "idempotency-key": "shared-key" });
    const answerB = await post(b.secret, trace("same"), { "idempotency-key": "shared-key" });
    expect([answerA.status, answerB.status]).toEqual([202, 202]);
    expect(answerB.replayed).toBeNull();
    expect(answerB.json.ids![0]).not.toBe(answerA.json.ids![0]);
    expect((await counts(a.workspaceId)).traces).toBe(1);
    expect((await counts(b.workspaceId)).traces).toBe(1);
  });

  it("stores once when duplicates are in flight together, and answers each with the same ids", async () => {
    const { workspaceId, secret } = await workspaceWithKey("Concurrent");
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(secret, trace("racing"), { "idempotency-key": "race-1" })));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(202));
    expect(new Set(answers.map((a) => a.json.ids![0])).size).toBe(1);
    expect(await counts(workspaceId)).toEqual({ traces: 1, deliveries: 1 });
  });

  it.each([
    ["too long", "k".repeat(256), "at most 255"],
    ["empty", "", "must not be empty"],
    ["with a space", "two words", "visible ASCII"],
    ["not ASCII", "clé", "visible ASCII"],
  ])("refuses a key %s with a 400 naming the header, storing nothing", async (_, key, message) => {
    const { workspaceId, secret } = await workspaceWithKey(`Bad key ${key.length}`);
    const res = await post(secret, trace("x"), { "idempotency-key": key });
    expect(res.status).toBe(400);
    expect(res.json.error?.fields?.[0]).toMatchObject({ path: "idempotency-key", message: expect.stringContaining(message) });
    expect((await counts(workspaceId)).traces).toBe(0);
  });

  it("forgets keys after a day (retention), after which the key stores again", async () => {
    const { workspaceId, apiKeyId, secret } = await workspaceWithKey("Expiry");
    expect((await post(secret, trace("old"), { "idempotency-key": "old-key" })).status).toBe(202);
    expect((await post(secret, trace("new"), { "idempotency-key": "new-key" })).status).toBe(202);
    const now = Date.now();
    await prisma.idempotencyKey.update({ where: { apiKeyId_key: { apiKeyId, key: "old-key" } }, data: { createdAt: new Date(now - IDEMPOTENCY_KEY_RETENTION_MS - 60_000) } });
    expect(await deleteExpiredIdempotencyKeys(new Date(now))).toBe(1);
    expect(await prisma.idempotencyKey.findMany({ where: { apiKeyId }, select: { key: true } })).toEqual([{ key: "new-key" }]);
    expect(IDEMPOTENCY_KEY_RETENTION_MS).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    expect((await post(secret, trace("old"), { "idempotency-key": "old-key" })).replayed).toBeNull();
    expect((await counts(workspaceId)).traces).toBe(3);
  });

  // A duplicate committed by another process between this request's lookup and its commit: the
  // unique key makes the commit store nothing and the answer is the other process's. Needs a second
  // database session, which the embedded database (one session) does not have.
  it.runIf(process.env.TEST_DATABASE_URL)("stores nothing when another process commits the same key while this request is in flight (PostgreSQL)", async () => {
    const { workspaceId, apiKeyId, secret } = await workspaceWithKey("Other process");
    const body = trace("raced across processes");
    const bodyHash = (await import("@/lib/hash")).sha256Hex(JSON.stringify([[(await import("@/lib/traces/schema")).traceInput.parse(body)], null]));
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`INSERT INTO "IdempotencyKey" ("apiKeyId", key, "bodyHash", status, answer) VALUES ($1, 'cross', $2, 202, '{"ids":["gen-from-the-other-process"]}')`, [apiKeyId, bodyHash]);
      const inFlight = post(secret, body, { "idempotency-key": "cross" });
      // The request's insert waits for the other transaction on the unique key.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query("COMMIT");
      expect(await inFlight).toEqual({ status: 202, replayed: "true", json: { ids: ["gen-from-the-other-process"] } });
      expect((await counts(workspaceId)).traces).toBe(0);
    } finally {
      await other.end();
    }
  });
});

describe("Idempotency-Key over node:http (direct route)", () => {
  let server: RouteServer;
  beforeAll(async () => {
    server = await serveDirectRoutes();
  });
  afterAll(() => server?.close());

  const send = (secret: string, body: string, key: string) =>
    postOverHttp(`${server.url}/api/v1/traces`, { "content-type": "application/json", authorization: `Bearer ${secret}`, "idempotency-key": key }, body);

  it("answers a retry and concurrent duplicates with the first answer, storing once", async () => {
    const { workspaceId, secret } = await workspaceWithKey("Direct retry");
    const body = JSON.stringify(trace("over http"));
    const answers = await Promise.all(Array.from({ length: 6 }, () => send(secret, body, "http-1")));
    answers.push(await send(secret, body, "http-1"));
    expect(answers.map((a) => a.status)).toEqual(Array(7).fill(202));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(await counts(workspaceId)).toEqual({ traces: 1, deliveries: 1 });
    expect((await send(secret, JSON.stringify(trace("another body")), "http-1")).status).toBe(422);
  });
});

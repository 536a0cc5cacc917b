// The ingest config cache (lib/ingest/config-cache.ts): every change made through the app is seen
// by the very next ingest request; a change made behind the app's back (another process) within
// CONFIG_TTL_MS, and not before: the cache really spares the database its per-request queries.
// (Spying on prisma.$queryRaw instead would rebind it outside interactive transactions.)
import { describe, expect, it, vi } from "vitest";

// The real dispatcher (TRACECAST_DISPATCHER=none in tests: kicks do nothing), watched: a paused
// destination's rows are queued but not kicked.
vi.mock("@/lib/delivery/dispatcher", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/delivery/dispatcher")>();
  return { ...real, kickDestinations: vi.fn(real.kickDestinations) };
});

import { revokeApiKey, verifyApiKey } from "@/lib/api-keys";
import { prisma } from "@/lib/db";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { autoPauseIfFailingSince } from "@/lib/delivery/health";
import { performChange } from "@/lib/governance/perform";
import { acceptTraces } from "@/lib/ingest";
import { createUpstream, deleteUpstream, resolveUpstream, updateUpstream } from "@/lib/capture-proxy/upstreams";
import { CONFIG_TTL_MS, ConfigCache, REFRESH_AT_SHARE } from "@/lib/ingest/config-cache";
import { traceInput } from "@/lib/traces/schema";
import { createTestWorkspace, type TestWorkspace } from "../support/direct-routes";

const input = traceInput.parse({
  model: "m",
  request: { messages: [{ role: "user", content: "hi" }] },
  timing: { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" },
});

/** Verifies the workspace's key the way the ingest route does, then ingests one trace; returns how many deliveries it queued. */
async function ingestOne(ws: TestWorkspace): Promise<number> {
  const ctx = await verifyApiKey(ws.apiKey);
  if (!ctx) throw new Error("key refused");
  return (await acceptTraces(ctx, [input])).routed;
}

/** Ingests one trace; returns the destinations kicked after it (detached work: let it run first). */
async function kickedByIngest(ws: TestWorkspace): Promise<string[]> {
  const kick = vi.mocked(kickDestinations);
  kick.mockClear();
  expect(await ingestOne(ws)).toBeGreaterThan(0);
  await new Promise((resolve) => setImmediate(resolve));
  return kick.mock.calls.flat(2);
}

async function workspaceWithDestination(label: string) {
  const ws = await createTestWorkspace(label);
  const destination = (await performChange(ws.ctx, { action: "destination.create", targetId: null, payload: { type: "webhook", name: "Hook", config: { url: "https://hooks.example.test/t" } } })).destination;
  expect(await ingestOne(ws)).toBe(1); // fills the cache
  return { ws, destination };
}

describe("ingest config cache", () => {
  it("refuses a revoked key on the very next request", async () => {
    const { ws } = await workspaceWithDestination("cache-revoke");
    const [key] = await prisma.apiKey.findMany({ where: { workspaceId: ws.ctx.workspace.id } });
    await revokeApiKey(ws.ctx, key.id);
    expect(await verifyApiKey(ws.apiKey)).toBeNull();
  });

  it("routes by the destinations as they are after each change", async () => {
    const { ws, destination } = await workspaceWithDestination("cache-changes");
    await performChange(ws.ctx, { action: "destination.pause", targetId: destination.id, payload: {} });
    expect(await kickedByIngest(ws)).toEqual([]); // queued and held
    await performChange(ws.ctx, { action: "destination.resume", targetId: destination.id, payload: {} });
    expect(await kickedByIngest(ws)).toEqual([destination.id]);
    await performChange(ws.ctx, { action: "destination.update", targetId: destination.id, payload: { enabled: false } });
    expect(await ingestOne(ws)).toBe(0);
    await performChange(ws.ctx, { action: "destination.update", targetId: destination.id, payload: { enabled: true } });
    expect(await ingestOne(ws)).toBe(1);
    const second = (await performChange(ws.ctx, { action: "destination.create", targetId: null, payload: { type: "webhook", name: "Second", config: { url: "https://hooks.example.test/2" } } })).destination;
    expect(await ingestOne(ws)).toBe(2);
    await performChange(ws.ctx, { action: "destination.delete", targetId: second.id, payload: {} });
    expect(await ingestOne(ws)).toBe(1);
  });

  it("sees the broadcast switch on the very next request", async () => {
    const { ws } = await workspaceWithDestination("cache-broadcast");
    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: false } });
    expect(await ingestOne(ws)).toBe(0);
    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: true } });
    expect(await ingestOne(ws)).toBe(1);
  });

  it("holds a destination's traces as soon as it is auto-paused", async () => {
    const { ws, destination } = await workspaceWithDestination("cache-autopause");
    await prisma.destination.update({ where: { id: destination.id }, data: { failingSince: new Date(Date.now() - 7 * 3600_000), consecutiveFailures: 9 } });
    expect(await autoPauseIfFailingSince(destination.id, new Date())).toBe(1);
    expect(await kickedByIngest(ws)).toEqual([]);
  });

  it("resolves proxy upstreams as they are after each change", async () => {
    const ws = await createTestWorkspace("cache-upstreams");
    const workspaceId = ws.ctx.workspace.id;
    expect(await resolveUpstream(workspaceId, "openai/gpt-4o")).toBeNull(); // caches "no upstreams"
    const upstream = await createUpstream(ws.ctx, { name: "OpenAI", baseUrl: "https://api.example.test/v1", modelPrefix: "openai/", apiKey: "sk-first-key-0001" });
    expect(await resolveUpstream(workspaceId, "openai/gpt-4o")).toMatchObject({ baseUrl: "https://api.example.test/v1", model: "gpt-4o", apiKey: "sk-first-key-0001" });
    await updateUpstream(ws.ctx, upstream.id, { baseUrl: "https://other.example.test/v1", apiKey: "sk-second-key-0002" });
    expect(await resolveUpstream(workspaceId, "openai/gpt-4o")).toMatchObject({ baseUrl: "https://other.example.test/v1", apiKey: "sk-second-key-0002" });
    await deleteUpstream(ws.ctx, upstream.id);
    expect(await resolveUpstream(workspaceId, "openai/gpt-4o")).toBeNull();
  });

  it("spares the database for CONFIG_TTL_MS, then sees a change made by another process", async () => {
    const { ws, destination } = await workspaceWithDestination("cache-ttl");
    // Written straight to the database, as another app process would: this process is not told.
    await prisma.destination.update({ where: { id: destination.id }, data: { enabled: false } });
    await prisma.apiKey.updateMany({ where: { workspaceId: ws.ctx.workspace.id }, data: { revokedAt: new Date() } });
    // Neither the key nor the destinations were read again: the revoked key and the disabled destination still pass.
    expect(await ingestOne(ws)).toBe(1);
    await new Promise((r) => setTimeout(r, CONFIG_TTL_MS + 50));
    expect(await verifyApiKey(ws.apiKey)).toBeNull();
    await prisma.apiKey.updateMany({ where: { workspaceId: ws.ctx.workspace.id }, data: { revokedAt: null } });
    expect(await ingestOne(ws)).toBe(0);
  });
});

/** A read that answers when the test says so, counting how often it was started. */
function controlledReads<V>() {
  const started: { resolve: (value: V | undefined) => void; reject: (err: Error) => void }[] = [];
  const load = () => new Promise<V | undefined>((resolve, reject) => started.push({ resolve, reject }));
  return { load, started };
}

/** A cache whose key "k" was just read as "v1", with the reads it starts from now on. */
async function cacheHoldingV1(ttlMs: number) {
  const cache = new ConfigCache<string>(ttlMs);
  const reads = controlledReads<string>();
  const first = cache.get("k", reads.load);
  reads.started[0].resolve("v1");
  await first;
  return { cache, reads };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

describe("ConfigCache", () => {
  // Long enough that a slow machine does not age an entry past its TTL between two steps of a test.
  const TTL = 2000;

  it("shares one read among the callers that miss together", async () => {
    const cache = new ConfigCache<string>(TTL);
    const reads = controlledReads<string>();
    const callers = [cache.get("k", reads.load), cache.get("k", reads.load), cache.get("k", reads.load)];
    expect(reads.started).toHaveLength(1);
    reads.started[0].resolve("v1");
    expect(await Promise.all(callers)).toEqual(["v1", "v1", "v1"]);
    expect(await cache.get("k", reads.load)).toBe("v1");
    expect(reads.started).toHaveLength(1);
  });

  it("serves an entry past REFRESH_AT_SHARE of its TTL at once and reads it again in the background", async () => {
    const { cache, reads } = await cacheHoldingV1(TTL);
    await sleep(TTL * REFRESH_AT_SHARE + 20);
    // Answered from the cache while the refresh is still under way: nobody waits for it.
    expect(await cache.get("k", reads.load)).toBe("v1");
    expect(await cache.get("k", reads.load)).toBe("v1");
    expect(reads.started).toHaveLength(2); // one refresh, shared
    reads.started[1].resolve("v2");
    await tick();
    expect(await cache.get("k", reads.load)).toBe("v2");
    expect(reads.started).toHaveLength(2);
  });

  it("never serves an entry past its TTL: the caller waits for a new read", async () => {
    const { cache, reads } = await cacheHoldingV1(TTL);
    await sleep(TTL + 20);
    let answered: string | undefined;
    const second = cache.get("k", reads.load).then((v) => (answered = v));
    await tick();
    expect(answered).toBeUndefined();
    reads.started[1].resolve("v2");
    await second;
    expect(answered).toBe("v2");
  });

  it("keeps a read that was under way when the key was deleted out of the cache", async () => {
    const cache = new ConfigCache<string>(TTL);
    const reads = controlledReads<string>();
    const before = cache.get("k", reads.load);
    cache.delete("k"); // a change committed while the read ran: it may have seen the old state
    const after = cache.get("k", reads.load);
    expect(reads.started).toHaveLength(2); // the caller after the change does not join the old read
    reads.started[1].resolve("new");
    expect(await after).toBe("new");
    reads.started[0].resolve("old");
    expect(await before).toBe("old"); // its own caller still gets an answer
    expect(await cache.get("k", reads.load)).toBe("new");
    expect(reads.started).toHaveLength(2);
  });

  it("keeps no miss and no failure: the next caller reads again", async () => {
    const cache = new ConfigCache<string>(TTL);
    const reads = controlledReads<string>();
    const missing = cache.get("k", reads.load);
    reads.started[0].resolve(undefined);
    expect(await missing).toBeUndefined();
    const failing = cache.get("k", reads.load);
    reads.started[1].reject(new Error("database unreachable"));
    await expect(failing).rejects.toThrow("database unreachable");
    const found = cache.get("k", reads.load);
    expect(reads.started).toHaveLength(3);
    reads.started[2].resolve("v");
    expect(await found).toBe("v");
  });

  it("finds the keys whose value matches, for invalidation by workspace", async () => {
    const cache = new ConfigCache<{ workspace: string }>(TTL);
    await cache.get("a", async () => ({ workspace: "w1" }));
    await cache.get("b", async () => ({ workspace: "w2" }));
    await cache.get("c", async () => ({ workspace: "w1" }));
    expect(cache.keysWhere((v) => v.workspace === "w1").sort()).toEqual(["a", "c"]);
  });
});

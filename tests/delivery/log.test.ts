// The delivery log (lib/delivery/log.ts): traces go through the real ingest (acceptTraces) into the
// real database with their routes, and drains read them with the destination's cursor under its
// lease, to real local receivers. Exceptions (per-trace failures, expired retry windows) become
// Delivery rows; every request is a DeliveryAttempt row.
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { logDeliveryId, takeLogLease } from "@/lib/delivery/log";
import { deleteExpiredAttempts } from "@/lib/delivery/retention";
import { deliveriesQuery, destinationHealth, healthSummaries, listDeliveries } from "@/lib/delivery/stats";
import { sweep } from "@/lib/delivery/sweep";
import { acceptTraces } from "@/lib/ingest";
import { sampleTrace } from "@/lib/traces/fixtures";
import { traceInput } from "@/lib/traces/schema";
import { ageTraces, apiKeyContext, createDestinationRow, createWorkspace, startReceiver, statusesOf, type Receiver } from "../support/delivery";

let receiver: Receiver;
let workspaceId: string;

beforeEach(async () => {
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver.close();
});

const timingAgo = (ms: number) => {
  const start = new Date(Date.now() - ms);
  return { start: start.toISOString(), end: new Date(start.getTime() + 500).toISOString() };
};

/** Ingests `count` traces (contents "log <word> <i>") through acceptTraces; returns their storage ids. */
async function ingest(count: number, opts: { word?: string; ageMs?: number } = {}): Promise<string[]> {
  const ctx = await apiKeyContext(workspaceId);
  const { ids } = await acceptTraces(
    ctx,
    Array.from({ length: count }, (_, i) =>
      traceInput.parse({ model: "openai/gpt-4o", timing: timingAgo(opts.ageMs ?? 1000), request: { messages: [{ role: "user", content: `log ${opts.word ?? "trace"} ${i}` }] } }),
    ),
  );
  return ids;
}

const cursorOf = async (destinationId: string) => prisma.deliveryCursor.findUniqueOrThrow({ where: { destinationId } });
const attemptsOf = (destinationId: string) => prisma.deliveryAttempt.findMany({ where: { destinationId }, orderBy: { at: "asc" } });

describe("the log", () => {
  it("writes no Delivery row at ingest, delivers by moving the cursor, and records one attempt per request", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    const before = await cursorOf(destination.id);
    await ingest(150); // the webhook's maxBatch is 100: two requests
    expect(await prisma.delivery.count()).toBe(0);
    expect(await statusesOf(destination.id)).toEqual(Array(150).fill("pending"));

    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 150, retrying: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(await statusesOf(destination.id)).toEqual(Array(150).fill("delivered"));
    expect(await prisma.delivery.count()).toBe(0);
    const after = await cursorOf(destination.id);
    expect(after.xid > before.xid).toBe(true);
    expect(after.leaseToken).toBeNull();

    const attempts = await attemptsOf(destination.id);
    expect(attempts.map((a) => [a.ok, a.httpStatus, a.traces])).toEqual([
      [true, 200, 100],
      [true, 200, 50],
    ]);
    // Consecutive ranges: the second starts after the first ends.
    const [first, second] = attempts;
    expect(first.fromXid! < first.toXid! || (first.fromXid === first.toXid && first.fromSeq! < first.toSeq!)).toBe(true);
    expect(second.fromXid! > first.toXid! || (second.fromXid === first.toXid && second.fromSeq! > first.toSeq!)).toBe(true);

    // Nothing left: the next drain sends nothing.
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(2);
  });

  it("a new destination starts at the log's head: traces stored before it are not sent to it", async () => {
    await ingest(2, { word: "before" });
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(0);
  });

  it("a trace the platform refuses becomes an exception row while the cursor moves on", async () => {
    receiver.handle((_req, res) => res.writeHead(202).end());
    const destination = await createDestinationRow(workspaceId, "datadog", { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: receiver.url });
    const fresh = await ingest(2, { word: "fresh" });
    const [stale] = await ingest(1, { word: "stale", ageMs: 25 * 3_600_000 });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, failed: 1 });
    expect(receiver.requests).toHaveLength(1);
    const rows = await prisma.delivery.findMany({ where: { destinationId: destination.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: logDeliveryId(stale, destination.id), traceId: stale, status: "failed", attempts: 1 });
    expect(rows[0].lastError).toMatch(/only accepts spans up to 24 hours old/);
    expect((await statusesOf(destination.id)).sort()).toEqual(["delivered", "delivered", "failed"]);
    for (const id of fresh) expect(rows.some((r) => r.traceId === id)).toBe(false);
    const [attempt] = await attemptsOf(destination.id);
    expect(attempt).toMatchObject({ ok: true, traces: 3 });
    expect(attempt.error).toMatch(/^1 of the traces not delivered/);

    // The cursor moved past all three: a second drain sends nothing from the log.
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("a paused destination's cursor holds its traces; Resume delivers them", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url }, { status: "paused" });
    await ingest(3);
    const held = await cursorOf(destination.id);
    expect(await sweep({ retention: false })).toMatchObject({ due: [] });
    expect((await drainDestination(destination.id)).stopped).toBe("destination paused");
    expect(await cursorOf(destination.id)).toMatchObject({ xid: held.xid, seq: held.seq });
    expect(await statusesOf(destination.id)).toEqual(["pending", "pending", "pending"]);

    await prisma.destination.update({ where: { id: destination.id }, data: { status: "active" } });
    expect((await sweep({ retention: false })).due).toEqual([destination.id]);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 3 });
    expect(await statusesOf(destination.id)).toEqual(["delivered", "delivered", "delivered"]);
  });
});

describe("failures of the whole request", () => {
  it("429 Retry-After: the cursor stays, nothing goes before the time, then the held and the new traces go together", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    receiver.handle((_req, res) => res.writeHead(429, { "retry-after": "60" }).end("slow down"));
    await ingest(2, { word: "first" });
    const t0 = new Date();
    expect(await drainDestination(destination.id, { now: () => t0 })).toMatchObject({ delivered: 0, retrying: 2 });
    expect(await statusesOf(destination.id)).toEqual(["pending", "pending"]);
    const [failed] = await attemptsOf(destination.id);
    expect(failed).toMatchObject({ ok: false, httpStatus: 429, traces: 2 });
    expect(failed.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(t0.getTime() + 60_000);
    // The delivery log shows them as being retried, with the platform's answer and the next attempt.
    const held = (await listDeliveries(workspaceId, destination.id, deliveriesQuery.parse({}))).deliveries;
    expect(held).toHaveLength(2);
    for (const row of held) {
      expect(row).toMatchObject({ status: "pending", attempts: 1, lastStatus: 429, nextAttemptAt: failed.nextAttemptAt });
      expect(row.lastError).toContain("429");
    }

    receiver.handle((_req, res) => res.end("ok"));
    await ingest(1, { word: "later" });
    const at30 = new Date(t0.getTime() + 30_000);
    expect((await sweep({ now: at30, retention: false })).due).not.toContain(destination.id);
    expect((await drainDestination(destination.id, { now: () => at30 })).stopped).toMatch(/^circuit open until/);
    expect(receiver.requests).toHaveLength(1);

    const at61 = new Date(t0.getTime() + 61_000);
    expect((await sweep({ now: at61, retention: false })).due).toContain(destination.id);
    expect(await drainDestination(destination.id, { now: () => at61 })).toMatchObject({ delivered: 3 });
    expect(receiver.requests).toHaveLength(2);
    expect(await statusesOf(destination.id)).toEqual(["delivered", "delivered", "delivered"]);
    expect(await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).toMatchObject({ circuitOpenUntil: null, consecutiveFailures: 0 });
  });

  it("traces whose retry window is over become failed rows and the cursor moves past them", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    receiver.handle((_req, res) => res.writeHead(503).end("busy"));
    await ingest(2);
    await ageTraces(destination.id, 25 * 3_600_000);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, failed: 2, retrying: 0 });
    const rows = await prisma.delivery.findMany({ where: { destinationId: destination.id } });
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(rows[0].lastError).toMatch(/503.*gave up/);
    expect(await statusesOf(destination.id)).toEqual(["failed", "failed"]);
  });

  it("a request refused outright (4xx) fails its traces as rows and the cursor moves on", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    receiver.handle((_req, res) => res.writeHead(400).end("bad"));
    await ingest(2);
    expect(await drainDestination(destination.id)).toMatchObject({ failed: 2 });
    expect(await statusesOf(destination.id)).toEqual(["failed", "failed"]);
    expect(await drainDestination(destination.id)).toMatchObject({ failed: 0, delivered: 0 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("the log lease", () => {
  it("a drain that died holding the lease: nothing is read until it expires, then the next drain resumes from the cursor", async () => {
    vi.stubEnv("TRACECAST_DELIVERY_LEASE_SECONDS", "30");
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await ingest(3);
    const t0 = new Date();
    // The dead drain: it took the lease and will never renew or release it.
    expect(await takeLogLease(destination.id, t0, 30_000)).not.toBeNull();
    expect(await drainDestination(destination.id, { now: () => t0 })).toMatchObject({ delivered: 0 });
    expect((await sweep({ now: t0, retention: false })).due).not.toContain(destination.id);
    expect(receiver.requests).toHaveLength(0);

    // Within a minute of the crash: the lease has run out, the sweep finds the log's work.
    const later = new Date(t0.getTime() + 31_000);
    expect((await sweep({ now: later, retention: false })).due).toEqual([destination.id]);
    expect(await drainDestination(destination.id, { now: () => later })).toMatchObject({ delivered: 3 });
    expect(await statusesOf(destination.id)).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("a drain whose lease was taken over stops without moving the cursor", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await ingest(2);
    const cursor = await cursorOf(destination.id);
    // While the request is out, another drain takes the lease (as after an expiry).
    receiver.handle((_req, res) => {
      void prisma.deliveryCursor
        .update({ where: { destinationId: destination.id }, data: { leaseToken: "someone-else", leaseUntil: new Date(Date.now() + 60_000) } })
        .then(() => res.end("ok"));
    });
    expect((await drainDestination(destination.id)).stopped).toMatch(/lease was lost/);
    expect(await cursorOf(destination.id)).toMatchObject({ xid: cursor.xid, seq: cursor.seq, leaseToken: "someone-else" });
  });
});

describe("the views", () => {
  it("show log traces pending before the drain and delivered after, with the request's details, counts, latency and backlog", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await ingest(3);
    const query = deliveriesQuery.parse({});
    const before = await listDeliveries(workspaceId, destination.id, query);
    expect(before.deliveries.map((d) => d.status)).toEqual(["pending", "pending", "pending"]);
    expect(await destinationHealth(workspaceId, { ...destination }, "24h")).toMatchObject({ backlog: 3, delivered: 0 });

    await drainDestination(destination.id);
    const after = await listDeliveries(workspaceId, destination.id, query);
    expect(after.deliveries.map((d) => d.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(after.deliveries[0]).toMatchObject({ attempts: 1, lastStatus: 200, id: logDeliveryId(after.deliveries[0].traceId, destination.id) });
    expect(after.deliveries[0].deliveredAt).toBeInstanceOf(Date);
    expect(await listDeliveries(workspaceId, destination.id, deliveriesQuery.parse({ status: "pending" }))).toMatchObject({ deliveries: [] });
    // Paged: two, then the third.
    const first = await listDeliveries(workspaceId, destination.id, deliveriesQuery.parse({ limit: 2 }));
    const second = await listDeliveries(workspaceId, destination.id, deliveriesQuery.parse({ limit: 2, cursor: first.nextCursor }));
    expect([...first.deliveries, ...second.deliveries].map((d) => d.id).sort()).toEqual(after.deliveries.map((d) => d.id).sort());
    expect(second.nextCursor).toBeNull();

    const health = await destinationHealth(workspaceId, { ...destination }, "24h");
    expect(health).toMatchObject({ backlog: 0, delivered: 3, failed: 0, successRate: 1, oldestPendingAgeMs: null });
    expect(health.latencyMs.p50).not.toBeNull();
    expect(health.buckets.reduce((n, b) => n + b.delivered, 0)).toBe(3);
    const summary = (await healthSummaries(workspaceId, [destination.id])).get(destination.id)!;
    expect(summary).toMatchObject({ delivered24h: 3, failed24h: 0, successRate24h: 1 });
  });
});

describe("retention", () => {
  it("deletes attempts older than the retention period", async () => {
    vi.stubEnv("TRACECAST_RETENTION_DAYS", "30");
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await ingest(1);
    await drainDestination(destination.id);
    await ingest(1);
    await drainDestination(destination.id);
    const [old] = await attemptsOf(destination.id);
    await prisma.deliveryAttempt.update({ where: { id: old.id }, data: { at: new Date(Date.now() - 31 * 86_400_000) } });
    expect(await deleteExpiredAttempts(new Date(), { chunkSize: 1 })).toBe(1);
    expect((await attemptsOf(destination.id)).map((a) => a.id)).not.toContain(old.id);
    expect(await prisma.deliveryAttempt.count({ where: { destinationId: destination.id } })).toBe(1);
  });
});

// PostgreSQL only: several connections. A transaction that inserted a trace and commits after a
// later one must still be delivered: the horizon keeps the cursor behind it until it ends.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres) console.info("[delivery log] the late-commit case runs in the PostgreSQL phase only (TEST_DATABASE_URL is unset)");

describe.skipIf(!onPostgres)("a transaction that commits late (PostgreSQL)", () => {
  it("is not skipped: the cursor waits below it, and its trace is delivered after it commits", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    const late = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await late.connect();
    try {
      // Another process's insert: it takes its transaction id now and commits last.
      await late.query("BEGIN");
      await late.query(
        `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", routes)
         VALUES ('gen-late', $1, $2::jsonb, 10, jsonb_build_object($3::text, 1))`,
        [workspaceId, JSON.stringify(sampleTrace({ id: "late-trace" })), destination.id],
      );
      await ingest(1, { word: "committed-first" });
      // The trace committed first is above the horizon too: nothing is delivered yet, the cursor stays.
      expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
      await late.query("COMMIT");
    } finally {
      await late.end();
    }
    const result = await drainDestination(destination.id);
    expect(result.delivered).toBe(2);
    expect(receiver.requests.some((r) => r.body.includes("late-trace"))).toBe(true);
    expect(await statusesOf(destination.id)).toEqual(["delivered", "delivered"]);
  });
});

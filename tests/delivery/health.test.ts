// Destination health from its counters (lib/delivery/counters.ts) against the real database:
// deliveries settled per bucket, latency percentiles from the histograms, the backlog the sweep
// counted, and that drains, failures and sweeps really write them.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db";
import { recordAttempt } from "@/lib/delivery/attempts";
import { recordBacklog } from "@/lib/delivery/counters";
import { drainDestination } from "@/lib/delivery/drain";
import { deleteExpiredCounters } from "@/lib/delivery/retention";
import { histogramQuantile, latencyHistogram } from "@/lib/delivery/latency-histogram";
import { BACKLOG_SAMPLE_CHUNK, countBacklog, destinationHealth, healthSummaries } from "@/lib/delivery/stats";
import { plansOf, rowsHandled } from "./query-plans";
import { acceptTraces } from "@/lib/ingest";
import { traceInput } from "@/lib/traces/schema";
import { apiKeyContext, createDestinationRow, createWorkspace, enqueue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/destinations/registry", async (importOriginal) => {
  const { withQuickWebhook } = await import("./quick-webhook");
  return withQuickWebhook(await importOriginal<typeof import("@/lib/destinations/registry")>());
});

// 24 h window: hourly buckets aligned to the hour, the last one (index 23) holds `now`, so bucket 0
// starts 2025-05-31 13:00. 7 d window: 6-hour buckets from 2025-05-25 18:00; 2025-06-01
// 12:00–18:00 is index 27.
const now = new Date("2025-06-01T12:30:00Z");

/** Within the histogram's resolution (half a bin: 2^(1/16) − 1 ≈ 4.4 %). */
const near = (expected: number) => expect.toSatisfy((v: number) => Math.abs(v - expected) <= expected * 0.045);

let workspaceId: string;
let destinationId: string;

/** A request at `at` that delivered traces that had waited `latenciesMs`, and failed `failed` for good. */
async function settled(at: string, latenciesMs: number[], failed = 0, to = destinationId) {
  await recordAttempt({
    destinationId: to,
    workspaceId,
    at: new Date(at),
    ok: true,
    httpStatus: 200,
    latencyMs: 5,
    traces: latenciesMs.length + failed,
    error: null,
    nextAttemptAt: null,
    settled: { delivered: latenciesMs.length, failed, latenciesMs },
  });
}

describe("the latency histogram", () => {
  it("reads each quantile within half a bin of the nearest-rank value", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i * 37);
    const histogram = latencyHistogram(values);
    for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 1]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      expect(histogramQuantile(histogram, q)).toEqual(near(exact));
    }
    expect(histogramQuantile([], 0.5)).toBeNull();
    expect(histogramQuantile(latencyHistogram([0.2, 0.4]), 0.5)).toBe(0);
  });
});

describe("counters per bucket", () => {
  beforeAll(async () => {
    workspaceId = (await createWorkspace()).id;
    destinationId = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/hook" })).id;
    const other = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/other" })).id;
    // 12:00–13:00 on June 1 (24 h bucket 23), two requests: p50 300, p95 1000; one failed for good.
    await settled("2025-06-01T12:10:00Z", [100, 200, 300]);
    await settled("2025-06-01T12:14:00Z", [400, 1000], 1);
    // 09:00–10:00 (bucket 20).
    await settled("2025-06-01T09:05:00Z", [50]);
    await settled("2025-06-01T09:40:00Z", [150], 2);
    // May 31 13:00–14:00 (bucket 0).
    await settled("2025-05-31T13:20:00Z", [5000]);
    // Before the 24 h window's first bucket (inside the 7 d one).
    await settled("2025-05-31T12:45:00Z", [7000]);
    await settled("2025-05-31T12:00:00Z", [9000]);
    // A failed request that failed nothing for good (left to retry) settles nothing.
    await recordAttempt({ destinationId, workspaceId, at: new Date("2025-06-01T12:20:00Z"), ok: false, httpStatus: 503, latencyMs: 5, traces: 4, error: "HTTP 503", nextAttemptAt: null, settled: { delivered: 0, failed: 0, latenciesMs: [] } });
    // Another destination's.
    await settled("2025-06-01T12:15:00Z", [60_000, 60_000], 0, other);
  });

  const health = (window: "24h" | "7d") => destinationHealth(workspaceId, { id: destinationId, lastError: null, lastFailureAt: null }, window, now);

  it("24 h: delivered and failed per hour, by when settled; the latency of what was delivered in each hour", async () => {
    const h = await health("24h");
    expect(h.buckets).toHaveLength(24);
    expect(h.buckets[0].start).toEqual(new Date("2025-05-31T13:00:00Z"));
    expect(h.buckets.map((b) => [b.delivered, b.failed])).toEqual(
      Array.from({ length: 24 }, (_, i) => (i === 23 ? [5, 1] : i === 20 ? [2, 2] : i === 0 ? [1, 0] : [0, 0])),
    );
    expect(h.buckets[23].latencyMs).toEqual({ p50: near(300), p95: near(1000) });
    expect(h.buckets[20].latencyMs).toEqual({ p50: near(50), p95: near(150) });
    expect(h.buckets[0].latencyMs).toEqual({ p50: near(5000), p95: near(5000) });
    expect(h.buckets.filter((b) => b.latencyMs.p50 !== null)).toHaveLength(3);
    // 50 100 150 200 300 400 1000 5000: the 4th, and the 8th.
    expect(h.latencyMs).toEqual({ p50: near(200), p95: near(5000) });
    expect([h.delivered, h.failed, h.successRate]).toEqual([8, 3, 8 / 11]);

    const summary = (await healthSummaries(workspaceId, [destinationId], now)).get(destinationId)!;
    expect(summary).toMatchObject({ delivered24h: 8, failed24h: 3, successRate24h: 8 / 11 });
    expect(summary.buckets).toEqual(h.buckets.map(({ start, delivered, failed }) => ({ start, delivered, failed })));
  });

  it("7 d: six-hour buckets, the deliveries of May 31 12:00–13:00 included", async () => {
    const h = await health("7d");
    expect(h.buckets).toHaveLength(28);
    expect(h.buckets[27].start).toEqual(new Date("2025-06-01T12:00:00Z"));
    expect(h.buckets[27].latencyMs).toEqual({ p50: near(300), p95: near(1000) });
    expect(h.buckets[26].latencyMs).toEqual({ p50: near(50), p95: near(150) });
    // May 31 12:00–18:00: 9000, 7000, 5000.
    expect(h.buckets[23].latencyMs).toEqual({ p50: near(7000), p95: near(9000) });
    expect(h.buckets[23]).toMatchObject({ delivered: 3, failed: 0 });
    expect(h.delivered).toBe(10);
  });
});

describe("the backlog the sweep counted", () => {
  it("is kept per hour and carried forward through hours without a count; the figure now is live", async () => {
    workspaceId = (await createWorkspace()).id;
    const queuedTo = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/queued" })).id;
    const count = async (at: string) => recordBacklog(new Date(at));
    await enqueue(workspaceId, [queuedTo], 2, { receivedAt: new Date("2025-05-31T10:00:00Z") });
    await count("2025-05-31T12:50:00Z"); // before the window: what it starts with
    await enqueue(workspaceId, [queuedTo], 3, { receivedAt: new Date("2025-06-01T08:00:00Z") });
    await count("2025-06-01T08:10:00Z");
    await count("2025-06-01T08:40:00Z"); // the hour's last count wins
    await prisma.delivery.updateMany({ where: { destinationId: queuedTo, createdAt: new Date("2025-05-31T10:00:00Z") }, data: { status: "delivered", deliveredAt: new Date("2025-06-01T10:30:00Z") } });
    await count("2025-06-01T11:05:00Z");
    const h = await destinationHealth(workspaceId, { id: queuedTo, lastError: null, lastFailureAt: null }, "24h", now);
    // Bucket i is May 31 13:00 + i h: 2 from the start, 5 at 08:00 (index 19) and on, 3 at 11:00 (index 22) and on.
    expect(h.buckets.map((b) => b.backlog)).toEqual([...Array(19).fill(2), 5, 5, 5, 3, 3]);
    expect([h.backlog, h.backlogCapped, h.retrying]).toEqual([3, false, 0]);
    expect(h.oldestPendingAgeMs).toBe(now.getTime() - new Date("2025-06-01T08:00:00Z").getTime());
  });
});

describe("the sweep's count of a large backlog", () => {
  afterEach(() => vi.restoreAllMocks());

  it("counts it all, in statements of a bounded number of traces each", async () => {
    const ws = (await createWorkspace()).id;
    const destination = await createDestinationRow(ws, "webhook", { url: "http://127.0.0.1:9/large" });
    const LOG = 2 * BACKLOG_SAMPLE_CHUNK + 3;
    // Log traces routed to it, past its cursor, one in ten of the workspace's; and seven exception rows waiting.
    await prisma.$executeRaw`
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", routes)
      SELECT 'large-' || i, ${ws}, '{}'::jsonb, 2, CASE WHEN i % 10 = 0 THEN ${JSON.stringify({ [destination.id]: 1 })}::jsonb END
        FROM generate_series(1, ${10 * LOG}::int) AS i`;
    await enqueue(ws, [destination.id], 7);
    await prisma.$executeRawUnsafe(`ANALYZE "TracePayload"`);
    const plans = await plansOf(() => countBacklog(ws, destination.id));
    expect(await countBacklog(ws, destination.id)).toBe(LOG + 7);
    // Each statement handles one chunk's traces through a few plan nodes; one count of them all would be twice that.
    expect(Math.max(...plans.map(rowsHandled))).toBeLessThanOrEqual(5 * BACKLOG_SAMPLE_CHUNK);
    expect(plans.length).toBeGreaterThanOrEqual(4);
  });
});

describe("retention", () => {
  it("deletes the counters of hours no health window reaches", async () => {
    const at = new Date("2025-06-01T12:30:00Z");
    const before = await prisma.deliveryStat.count({ where: { destinationId } });
    await settled("2025-05-24T23:59:00Z", [10]); // more than 7 d and two buckets before
    await settled("2025-05-25T12:00:00Z", [10]); // the 7 d window's bucket before its first (its backlog)
    expect(await prisma.deliveryStat.count({ where: { destinationId } })).toBe(before + 2);
    expect(await deleteExpiredCounters(at)).toBe(1);
    expect(await prisma.deliveryStat.findMany({ where: { destinationId, hour: { lt: new Date("2025-05-26T00:00:00Z") } }, select: { hour: true } })).toEqual([{ hour: new Date("2025-05-25T12:00:00Z") }]);
  });
});

describe("drains write the counters", () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
    workspaceId = (await createWorkspace()).id;
  });
  afterEach(() => receiver.close());

  /** The destination's counters summed over its hours (a drain may straddle an hour's end). */
  const statsOf = async (id: string) => {
    const rows = await prisma.deliveryStat.findMany({ where: { destinationId: id } });
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
    return { delivered: sum((r) => r.delivered), failed: sum((r) => r.failed), latencies: sum((r) => r.latency.reduce((n, c) => n + c, 0)) };
  };
  const ingest = async (n: number) => {
    const ctx = await apiKeyContext(workspaceId);
    const timing = { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" };
    const trace = { model: "openai/gpt-4o", timing, request: { messages: [{ role: "user", content: "hi" }] }, response: { messages: [{ role: "assistant", content: "hello" }] } };
    await acceptTraces(ctx, Array.from({ length: n }, () => traceInput.parse(trace)));
  };

  it("a delivered log range counts its traces and their latencies in the hour it was delivered", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/hook` });
    await ingest(3);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 3 });
    expect(await statsOf(destination.id)).toEqual({ delivered: 3, failed: 0, latencies: 3 });
    const health = await destinationHealth(workspaceId, { id: destination.id, lastError: null, lastFailureAt: null }, "24h");
    expect(health).toMatchObject({ delivered: 3, failed: 0, successRate: 1 });
    expect(health.latencyMs.p50).not.toBeNull();
  });

  it("a refused request counts its traces as failed; exception rows delivered on retry count as delivered", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/hook` });
    receiver.handle((_req, res) => res.writeHead(400).end("bad request"));
    await ingest(2);
    expect(await drainDestination(destination.id)).toMatchObject({ failed: 2 });
    expect(await statsOf(destination.id)).toEqual({ delivered: 0, failed: 2, latencies: 0 });

    // The failed rows retried (as "Retry failed" does) and delivered: two more, delivered.
    receiver.handle((_req, res) => res.end("ok"));
    await prisma.delivery.updateMany({ where: { destinationId: destination.id }, data: { status: "pending", nextAttemptAt: new Date(Date.now() - 1) } });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2 });
    expect(await statsOf(destination.id)).toEqual({ delivered: 2, failed: 2, latencies: 2 });
  });
});

// destinationHealth's delivery latency (trace received → delivered) against the real database:
// percentile_cont per time bucket and over the window, with deliveries of known latency.
import { beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { destinationHealth } from "@/lib/delivery/stats";
import { createDestinationRow, createWorkspace, enqueue } from "../support/delivery";

// 24 h window: hourly buckets aligned to the hour, the last one (index 23) holds `now`, so bucket 0
// starts 2025-05-31 13:00 and the window itself starts at now − 24 h = 2025-05-31 12:30.
// 7 d window: 6-hour buckets from 2025-05-25 18:00; 2025-06-01 12:00–18:00 is index 27.
const now = new Date("2025-06-01T12:30:00Z");

let workspaceId: string;
let destinationId: string;

/** A trace received `latencyMs` before `deliveredAt`, delivered to `destination` then. */
async function delivered(destination: string, deliveredAt: string, latencyMs: number) {
  const at = new Date(deliveredAt);
  const [id] = await enqueue(workspaceId, [destination], 1, { receivedAt: new Date(at.getTime() - latencyMs) });
  await prisma.delivery.update({ where: { id }, data: { status: "delivered", deliveredAt: at, attempts: 1 } });
}

beforeAll(async () => {
  workspaceId = (await createWorkspace()).id;
  destinationId = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/hook" })).id;
  const other = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/other" })).id;

  // 12:00–13:00 on June 1 (24 h bucket 23): p50 300, p95 400 + 0.8 × (1000 − 400) = 880.
  for (const [minute, latency] of [[10, 100], [11, 200], [12, 300], [13, 400], [14, 1000]]) {
    await delivered(destinationId, `2025-06-01T12:${minute}:00Z`, latency);
  }
  // 09:00–10:00 (bucket 20): p50 100, p95 50 + 0.95 × 100 = 145.
  await delivered(destinationId, "2025-06-01T09:05:00Z", 50);
  await delivered(destinationId, "2025-06-01T09:40:00Z", 150);
  // May 31 13:00–14:00 (bucket 0).
  await delivered(destinationId, "2025-05-31T13:20:00Z", 5000);
  // In the 24 h window but before its first whole hour: in the window's figure, in no bucket.
  await delivered(destinationId, "2025-05-31T12:45:00Z", 7000);
  // Before the 24 h window (inside the 7 d one).
  await delivered(destinationId, "2025-05-31T12:00:00Z", 9000);

  // Not delivered, or another destination's: never counted.
  const [failed] = await enqueue(workspaceId, [destinationId], 1, { receivedAt: new Date("2025-06-01T12:00:00Z") });
  await prisma.delivery.update({ where: { id: failed }, data: { status: "failed", attempts: 5 } });
  await enqueue(workspaceId, [destinationId], 1, { receivedAt: new Date("2025-06-01T12:20:00Z") });
  await delivered(other, "2025-06-01T12:15:00Z", 60_000);
});

const health = (window: "24h" | "7d") =>
  destinationHealth(workspaceId, { id: destinationId, lastError: null, lastFailureAt: null }, window, now);

describe("delivery latency per bucket", () => {
  it("24 h: p50 and p95 of the deliveries completed in each hour, and over the last 24 hours", async () => {
    const { buckets, latencyMs } = await health("24h");
    expect(buckets).toHaveLength(24);
    expect(buckets[0].start).toEqual(new Date("2025-05-31T13:00:00Z"));
    expect(buckets[23].latencyMs).toEqual({ p50: 300, p95: 880 });
    expect(buckets[20].latencyMs).toEqual({ p50: 100, p95: 145 });
    expect(buckets[0].latencyMs).toEqual({ p50: 5000, p95: 5000 });
    const quiet = buckets.filter((_, i) => ![0, 20, 23].includes(i));
    expect(quiet.every((b) => b.latencyMs.p50 === null && b.latencyMs.p95 === null)).toBe(true);
    // 50 100 150 200 300 400 1000 5000 7000: the median is the 5th; p95 sits at 7.6 of 0…8.
    expect(latencyMs).toEqual({ p50: 300, p95: 6200 });
  });

  it("7 d: six-hour buckets, the 9 s delivery of May 31 12:00 included", async () => {
    const { buckets, latencyMs } = await health("7d");
    expect(buckets).toHaveLength(28);
    expect(buckets[27].start).toEqual(new Date("2025-06-01T12:00:00Z"));
    expect(buckets[27].latencyMs).toEqual({ p50: 300, p95: 880 });
    expect(buckets[26].latencyMs).toEqual({ p50: 100, p95: 145 });
    // May 31 12:00–18:00: 9000, 7000, 5000.
    expect(buckets[23].latencyMs).toEqual({ p50: 7000, p95: 8800 });
    expect(buckets.filter((b) => b.latencyMs.p50 !== null)).toHaveLength(3);
    // Ten deliveries: the median halfway between the 5th and 6th; p95 at 8.55 of 0…9.
    expect(latencyMs).toEqual({ p50: 350, p95: 8100 });
  });
});

describe("backlog per bucket", () => {
  let queuedTo: string;

  /** A delivery queued at `createdAt`, still waiting or settled as `ended` says. */
  async function queued(createdAt: string, ended?: { status: "delivered" | "failed" | "dropped"; at: string }) {
    const [id] = await enqueue(workspaceId, [queuedTo], 1, { receivedAt: new Date(createdAt) });
    if (!ended) return;
    const at = new Date(ended.at);
    // Delivered rows keep the real clock's updatedAt (what deliveredAt is for); the others end at updatedAt.
    await prisma.delivery.update({
      where: { id },
      data: ended.status === "delivered" ? { status: "delivered", deliveredAt: at } : { status: ended.status, updatedAt: at },
    });
  }

  beforeAll(async () => {
    queuedTo = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/queued" })).id;
    // In flight since before both windows: waiting at every bucket end.
    const [stuck] = await enqueue(workspaceId, [queuedTo], 1, { receivedAt: new Date("2025-05-20T01:00:00Z") });
    await prisma.delivery.update({ where: { id: stuck }, data: { status: "in_flight" } });
    await queued("2025-05-31T10:00:00Z", { status: "delivered", at: "2025-06-01T09:30:00Z" });
    await queued("2025-06-01T11:15:00Z"); // still pending
    // Failed exactly at a bucket end: no longer waiting there.
    await queued("2025-06-01T09:10:00Z", { status: "failed", at: "2025-06-01T11:00:00Z" });
    // Queued exactly at a bucket end: waiting there.
    await queued("2025-06-01T08:00:00Z", { status: "delivered", at: "2025-06-01T08:20:00Z" });
    await queued("2025-05-31T20:00:00Z", { status: "dropped", at: "2025-06-01T02:30:00Z" });
    // Waited before the 24 h window, inside the 7 d one.
    await queued("2025-05-28T02:00:00Z", { status: "delivered", at: "2025-05-30T03:00:00Z" });
    // Settled before either window.
    await queued("2025-05-01T00:00:00Z", { status: "delivered", at: "2025-05-02T00:00:00Z" });
    await queued("2025-05-01T00:00:00Z", { status: "failed", at: "2025-05-02T00:00:00Z" });
  });

  const backlogOf = (window: "24h" | "7d") =>
    destinationHealth(workspaceId, { id: queuedTo, lastError: null, lastFailureAt: null }, window, now);

  it("24 h: the deliveries waiting at the end of each hour", async () => {
    const health = await backlogOf("24h");
    // Bucket i ends at May 31 14:00 + i h.
    expect(health.buckets.map((b) => b.backlog)).toEqual([
      2, 2, 2, 2, 2, 2, // stuck + the one delivered June 1 09:30
      3, 3, 3, 3, 3, 3, 3, // + the dropped one, queued 20:00, waiting at 20:00 … 02:00
      2, 2, 2, 2, 2,
      3, // 08:00: + the one queued at 08:00
      2, // 09:00
      2, // 10:00: the failed one instead of the one delivered at 09:30
      1, // 11:00: the failed one failed at 11:00
      2, 2, // + the pending one
    ]);
    expect(health.backlog).toBe(2);
  });

  it("7 d: the deliveries waiting at the end of each six hours", async () => {
    const health = await backlogOf("7d");
    // Bucket i ends at May 26 00:00 + 6i h.
    expect(health.buckets.map((b) => b.backlog)).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1, 1, // stuck
      2, 2, 2, 2, 2, 2, 2, 2, // + May 28 02:00 → May 30 03:00
      1, 1, 1, 1, 1,
      2, 2, // May 31 12:00, 18:00: + the one delivered June 1 09:30
      3, // June 1 00:00: + the dropped one
      2, // 06:00
      2, 2, // 12:00, 18:00: + the pending one
    ]);
  });
});

// The destination's circuit breaker and the drain's lease renewal (lib/delivery/circuit.ts,
// drain.ts), against the real database and a real HTTP receiver on 127.0.0.1. Time is a clock
// handed to the sweep and the drains, moved forward as the inline sweeper (every 5 s) would see it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db";
import { CIRCUIT_CAP_MS } from "@/lib/delivery/circuit";
import { drainDestination } from "@/lib/delivery/drain";
import { claimDue } from "@/lib/delivery/outbox";
import { sweep } from "@/lib/delivery/sweep";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, startReceiver, type Receiver } from "./helpers";

const SWEEP_INTERVAL_MS = 5_000;

let receiver: Receiver;
let workspaceId: string;
beforeEach(async () => {
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
});
afterEach(async () => {
  await receiver.close();
  vi.unstubAllEnvs();
});

/** One sweeper tick at `at`: drains the destination if the sweep finds it due. */
async function tick(destinationId: string, at: Date) {
  const { due } = await sweep({ now: at, retention: false });
  if (due.includes(destinationId)) await drainDestination(destinationId, { now: () => at });
}

const statuses = async (destinationId: string) => (await deliveriesOf(destinationId)).map((d) => d.status);

describe("circuit breaker", () => {
  it("429 with Retry-After: 60: nothing is sent to the destination for 60 s, new traces included, then everything goes", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    receiver.handle((_req, res) => res.writeHead(429, { "retry-after": "60" }).end("slow down"));
    const start = new Date();
    await enqueue(workspaceId, [destination.id], 3);
    await drainDestination(destination.id, { now: () => start });
    expect(receiver.requests).toHaveLength(1);

    // Ingest goes on: fresh traces, due at once, each kicking a drain; the sweeper ticks.
    for (let s = 5; s < 60; s += 5) {
      const at = new Date(start.getTime() + s * 1000);
      await enqueue(workspaceId, [destination.id], 2, { receivedAt: at });
      await drainDestination(destination.id, { now: () => at });
      await tick(destination.id, at);
    }
    expect(receiver.requests).toHaveLength(1);

    receiver.handle((_req, res) => res.end("ok"));
    await tick(destination.id, new Date(start.getTime() + 61_000));
    expect((await statuses(destination.id)).every((s) => s === "delivered")).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(1);
  });

  it("after a one-hour outage the whole backlog is delivered within 30 s of the platform's recovery", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    receiver.handle((_req, res) => res.writeHead(503).end("down"));
    const start = new Date();
    await enqueue(workspaceId, [destination.id], 5, { receivedAt: start });
    const recovery = start.getTime() + 3_600_000;
    // The outage: the sweeper finds the destination each time something of it can be due (its
    // circuit half-opens, or a row's backoff ends); in between, ticks find nothing to do.
    let t = start.getTime();
    while (t < recovery) {
      await tick(destination.id, new Date(t));
      const { circuitOpenUntil } = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
      const rows = await deliveriesOf(destination.id);
      const next = circuitOpenUntil?.getTime() ?? Math.min(...rows.map((r) => r.nextAttemptAt.getTime()));
      t = Math.max(t + SWEEP_INTERVAL_MS, next);
    }
    expect(await statuses(destination.id)).toEqual(["pending", "pending", "pending", "pending", "pending"]);
    const attempts = receiver.requests.length;
    expect(attempts).toBeGreaterThan(3_600_000 / CIRCUIT_CAP_MS / 2);

    receiver.handle((_req, res) => res.end("ok"));
    for (let at = recovery; at <= recovery + 30_000; at += SWEEP_INTERVAL_MS) await tick(destination.id, new Date(at));
    expect(await statuses(destination.id)).toEqual(["delivered", "delivered", "delivered", "delivered", "delivered"]);
    expect(receiver.requests.length).toBeGreaterThan(attempts);
  });

  it("half-open: one probe at a time; while it is out, other drains send nothing", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 2);
    const past = new Date(Date.now() - 1_000);
    await prisma.destination.update({ where: { id: destination.id }, data: { circuitOpenUntil: past, consecutiveFailures: 3 } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.handle(async (_req, res) => {
      await held;
      res.end("ok");
    });
    const probe = drainDestination(destination.id);
    while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, stopped: expect.stringMatching(/circuit open|probing/) });
    release();
    expect(await probe).toMatchObject({ delivered: 2 });
    expect(receiver.requests).toHaveLength(1);
    expect(await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).toMatchObject({ circuitOpenUntil: null, consecutiveFailures: 0 });
  });
});

describe("lease renewal", () => {
  it("a drain whose request outlasts the lease keeps its rows: another drain cannot claim them meanwhile", async () => {
    vi.stubEnv("TRACECAST_DELIVERY_LEASE_SECONDS", "1");
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 3);
    receiver.handle((_req, res) => setTimeout(() => res.end("ok"), 2_500));
    const draining = drainDestination(destination.id);
    while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Past the 1 s lease: only renewal keeps the rows from being claimed twice.
    expect((await claimDue(destination.id, 100)).rows).toHaveLength(0);
    expect(await draining).toMatchObject({ delivered: 3 });
    expect(receiver.requests).toHaveLength(1);
  });
});

// The inline dispatcher coalesces kicks: one that arrives while a drain runs is served
// KICK_COALESCE_MS after that drain, not the moment it ends, so under a steady stream of ingest
// requests (each one kicks) drains run a few times a second with batches instead of back to back
// with a trace or two each (bench/load.bench.mts). drainDestination is the real one, timed.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { inlineDrainsSettled, KICK_COALESCE_MS, kickDestinations } from "@/lib/delivery/dispatcher";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, startReceiver, type Receiver } from "../support/delivery";

const drains = vi.hoisted(() => [] as { startedAt: number; endedAt: number }[]);
vi.mock("@/lib/delivery/drain", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/delivery/drain")>();
  return {
    ...real,
    drainDestination: async (...args: Parameters<typeof real.drainDestination>) => {
      const startedAt = performance.now();
      try {
        return await real.drainDestination(...args);
      } finally {
        drains.push({ startedAt, endedAt: performance.now() });
      }
    },
  };
});

let receiver: Receiver;
let workspaceId: string;
beforeEach(async () => {
  vi.stubEnv("TRACECAST_DISPATCHER", "inline");
  drains.length = 0;
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver.close();
});

it("drains an idle destination at once, and a kick that arrived during the drain KICK_COALESCE_MS after it", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  receiver.handle(async (_req, res) => {
    await released;
    res.end("ok");
  });
  const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
  await enqueue(workspaceId, [destination.id], 1);

  const kickedAt = performance.now();
  await kickDestinations([destination.id]);
  while (receiver.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  // The first drain is sending; these kicks (ingest requests arriving meanwhile) wait for it.
  await enqueue(workspaceId, [destination.id], 2);
  await kickDestinations([destination.id]);
  await kickDestinations([destination.id]);
  release();
  await inlineDrainsSettled();

  expect((await deliveriesOf(destination.id)).every((d) => d.status === "delivered")).toBe(true);
  expect(drains.length).toBe(2);
  expect(drains[0].startedAt - kickedAt).toBeLessThan(KICK_COALESCE_MS);
  // setTimeout never fires early; 1 ms for the clocks' rounding.
  expect(drains[1].startedAt - drains[0].endedAt).toBeGreaterThanOrEqual(KICK_COALESCE_MS - 1);
});

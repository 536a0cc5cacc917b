// Dispatchers: the Inngest functions (with @inngest/test, a fresh engine per test), the inngest
// dispatcher's events, and the inline dispatcher's per-destination lock.
import { InngestTestEngine } from "@inngest/test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db";
import { inlineDrainsSettled, kickDestinations } from "@/lib/delivery/dispatcher";
import { backoffDelayMs, nextAttempt } from "@/lib/delivery/backoff";
import { DESTINATION_PENDING_EVENT, inngest } from "@/lib/inngest/client";
import { drainDestinationFunction, sweepFunction } from "@/lib/inngest/functions";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, startReceiver, type Receiver } from "../support/delivery";

let receiver: Receiver;
let workspaceId: string;
beforeEach(async () => {
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await receiver.close();
});

const pendingEvent = (destinationId: string) => ({ name: DESTINATION_PENDING_EVENT, data: { destinationId } });

describe("drain-destination (Inngest)", () => {
  it("drains the destination named by the event", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 2);
    const { result, ctx } = await new InngestTestEngine({ function: drainDestinationFunction }).execute({ events: [pendingEvent(destination.id)] });
    expect(result).toMatchObject({ delivered: 2, more: false });
    expect(receiver.requests).toHaveLength(1);
    expect((await deliveriesOf(destination.id)).every((d) => d.status === "delivered")).toBe(true);
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });

  it("sends itself a follow-up event when more work is due than one run drains", async () => {
    const { ctx, error } = await new InngestTestEngine({ function: drainDestinationFunction }).execute({
      events: [pendingEvent("dest-1")],
      steps: [
        { id: "drain", handler: () => ({ delivered: 60, retrying: 0, failed: 0, more: true }) },
        { id: "continue", handler: () => ({ ids: ["evt-1"] }) },
      ],
    });
    expect(error).toBeUndefined();
    expect(ctx.step.sendEvent).toHaveBeenCalledWith("continue", pendingEvent("dest-1"));
  });

  it("rejects an event without a destination id, without retrying", async () => {
    const { error } = await new InngestTestEngine({ function: drainDestinationFunction }).execute({ events: [{ name: DESTINATION_PENDING_EVENT, data: {} }] });
    expect(String((error as Error)?.message ?? error)).toMatch(/Invalid tracecast\/destination.pending event/);
  });

  it("is limited to one run per destination and debounced", () => {
    const config = drainDestinationFunction["opts"] as { concurrency: unknown; debounce: unknown };
    expect(config.concurrency).toEqual({ limit: 1, key: "event.data.destinationId" });
    expect(config.debounce).toMatchObject({ period: "1s", key: "event.data.destinationId" });
  });
});

describe("sweep (Inngest cron)", () => {
  it("auto-pauses, applies retention and kicks destinations with due work", async () => {
    vi.stubEnv("TRACECAST_AUTO_PAUSE_AFTER_MINUTES", "60");
    const due = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    const failing = await createDestinationRow(workspaceId, "webhook", { url: receiver.url }, { failingSince: new Date(Date.now() - 2 * 3_600_000), consecutiveFailures: 12 });
    const later = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [due.id, failing.id], 1);
    await enqueue(workspaceId, [later.id], 1);
    await prisma.delivery.updateMany({ where: { destinationId: later.id }, data: { nextAttemptAt: new Date(Date.now() + 3_600_000) } });
    await enqueue(workspaceId, [], 3, { receivedAt: new Date(Date.now() - 40 * 86_400_000) });

    const { result, ctx } = await new InngestTestEngine({ function: sweepFunction }).execute({
      events: [{ name: "inngest/scheduled.timer", data: {} }],
      // Sending needs an Inngest server: the send step is stubbed, the sweep itself runs for real.
      steps: [{ id: "kick-due", handler: () => ({ ids: ["evt-1"] }) }],
    });
    expect(result).toEqual({ autoPaused: 1, expiredTraces: 3, kicked: 1 });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith("kick-due", [pendingEvent(due.id)]);
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: failing.id } })).status).toBe("auto_paused");
  });
});

describe("kickDestinations", () => {
  it("with the inngest dispatcher, sends one event per destination carrying only its id", async () => {
    vi.stubEnv("TRACECAST_DISPATCHER", "inngest");
    const send = vi.spyOn(inngest, "send").mockResolvedValue({ ids: ["e1", "e2"] } as never);
    await kickDestinations(["d1", "d2", "d1"]);
    expect(send).toHaveBeenCalledWith([pendingEvent("d1"), pendingEvent("d2")]);
  });

  it("with the inngest dispatcher, swallows a send failure (the sweep recovers)", async () => {
    vi.stubEnv("TRACECAST_DISPATCHER", "inngest");
    vi.spyOn(inngest, "send").mockRejectedValue(new Error("fetch failed"));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    await expect(kickDestinations(["d1"])).resolves.toBeUndefined();
  });

  it("with the inline dispatcher, a slow destination does not delay another, and runs one drain at a time", async () => {
    vi.stubEnv("TRACECAST_DISPATCHER", "inline");
    const slow = await startReceiver();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let concurrent = 0;
    let maxConcurrent = 0;
    slow.handle(async (_req, res) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await released;
      concurrent--;
      res.end("ok");
    });
    try {
      const slowDestination = await createDestinationRow(workspaceId, "webhook", { url: slow.url });
      const fast = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
      await enqueue(workspaceId, [slowDestination.id, fast.id], 2);

      await kickDestinations([slowDestination.id, fast.id]);
      await kickDestinations([slowDestination.id]); // coalesced into the running drain
      const deadline = Date.now() + 10_000;
      while ((await deliveriesOf(fast.id)).some((d) => d.status !== "delivered")) {
        if (Date.now() > deadline) throw new Error("the fast destination was held up");
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(slow.requests).toHaveLength(1);
      expect((await deliveriesOf(slowDestination.id)).every((d) => d.status === "in_flight")).toBe(true);

      release();
      await inlineDrainsSettled();
      expect((await deliveriesOf(slowDestination.id)).every((d) => d.status === "delivered")).toBe(true);
      expect(maxConcurrent).toBe(1);
    } finally {
      release();
      await slow.close();
    }
  });
});

describe("backoff", () => {
  it("grows exponentially from 5 s with full jitter, capped at an hour, floored at 1 s", () => {
    expect(backoffDelayMs(1, undefined, () => 1)).toBe(5_000);
    expect(backoffDelayMs(2, undefined, () => 1)).toBe(10_000);
    expect(backoffDelayMs(5, undefined, () => 1)).toBe(80_000);
    expect(backoffDelayMs(30, undefined, () => 1)).toBe(3_600_000);
    expect(backoffDelayMs(3, undefined, () => 0.5)).toBe(10_000);
    expect(backoffDelayMs(3, undefined, () => 0)).toBe(1_000);
  });

  it("honours a longer Retry-After and never schedules past the retry window", () => {
    expect(backoffDelayMs(1, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelayMs(10, 2_000, () => 1)).toBe(2_560_000);
    const now = new Date("2026-11-26T12:00:00Z");
    const window = 3_600_000;
    const queuedAt = new Date(now.getTime() - window + 10_000);
    expect(nextAttempt({ attempts: 8, queuedAt, now, retryWindowMs: window, random: () => 1 })).toEqual({ retry: true, at: new Date(queuedAt.getTime() + window) });
    expect(nextAttempt({ attempts: 1, queuedAt, now, retryWindowMs: window, retryAfterMs: 60_000 })).toMatchObject({ retry: false });
    expect(nextAttempt({ attempts: 9, queuedAt: new Date(now.getTime() - window), now, retryWindowMs: window })).toMatchObject({ retry: false });
  });
});

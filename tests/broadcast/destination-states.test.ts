// What happens to a trace that arrives while its destination cannot deliver (issue 18.1): for each
// state, traces go through the real ingest route into the real database, then the destination is
// brought back (resume, enable, broadcast on) and drained to a real local receiver.
//   paused / auto-paused  queued and held; delivered after Resume, with a full retry window
//   disabled              not queued; a replay sends it
//   broadcast off         stored, not queued; a replay sends it
//   deleted               nothing
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The real dispatcher (TRACECAST_DISPATCHER=none in tests: kicks do nothing), watched.
vi.mock("@/lib/delivery/dispatcher", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/delivery/dispatcher")>();
  return { ...real, kickDestinations: vi.fn(real.kickDestinations) };
});

import { NextRequest } from "next/server";
import { POST as ingest } from "@/app/api/v1/traces/route";
import { prisma } from "@/lib/db";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { drainDestination } from "@/lib/delivery/drain";
import { autoPauseIfFailingSince } from "@/lib/delivery/health";
import { destinationsWithDueWork } from "@/lib/delivery/outbox";
import { performChange } from "@/lib/governance/perform";
import { createTestWorkspace, type TestWorkspace } from "../support/direct-routes";
import { ageTraces, makeDue, startReceiver, statusesOf, type Receiver } from "../support/delivery";

const kick = vi.mocked(kickDestinations);

let receiver: Receiver;
let ws: TestWorkspace;
let destinationId: string;

beforeEach(async () => {
  kick.mockClear();
  receiver = await startReceiver();
  ws = await createTestWorkspace(`states-${Math.random().toString(36).slice(2, 8)}`);
  destinationId = (await performChange(ws.ctx, { action: "destination.create", targetId: null, payload: { type: "webhook", name: "Hook", config: { url: receiver.url } } })).destination.id;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver.close();
});

/** Sends traces through POST /api/v1/traces with the workspace's key; returns the contents of their user messages. */
async function sendTraces(...words: string[]): Promise<string[]> {
  const traces = words.map((word) => ({
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: `trace ${word}` }] },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
  }));
  const res = await ingest(
    new NextRequest("http://127.0.0.1/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ws.apiKey}` },
      body: JSON.stringify({ traces }),
    }),
    { params: Promise.resolve({}) },
  );
  expect(res.status).toBe(202);
  return words.map((w) => `trace ${w}`);
}

/** Which of `contents` the receiver got (in any request's body; the webhook sends OTLP/JSON). */
function received(contents: string[]): string[] {
  return contents.filter((c) => receiver.requests.some((r) => r.body.includes(c)));
}

/** Ids the ingest kicked after the response (detached work: let it run first). */
async function kickedAfterIngest(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return kick.mock.calls.flat(2);
}

/** The status of each trace at the destination (the log and its exception rows). */
const rows = async () => (await statusesOf(destinationId)).map((status) => ({ status }));

describe("a paused destination", () => {
  it("queues and holds new traces without kicking or sweeping them, and Resume delivers them all", async () => {
    await performChange(ws.ctx, { action: "destination.pause", targetId: destinationId, payload: {} });
    const sent = await sendTraces("one", "two");
    expect((await rows()).map((r) => r.status)).toEqual(["pending", "pending"]);
    // Nothing spins on held rows: ingest does not kick the destination, the sweep finds no due work.
    expect(await kickedAfterIngest()).not.toContain(destinationId);
    expect(await destinationsWithDueWork()).not.toContain(destinationId);
    expect((await drainDestination(destinationId)).stopped).toBe("destination paused");
    expect(receiver.requests).toHaveLength(0);

    await performChange(ws.ctx, { action: "destination.resume", targetId: destinationId, payload: {} });
    expect(kick).toHaveBeenLastCalledWith([destinationId]);
    expect(await destinationsWithDueWork()).toContain(destinationId);
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 2, failed: 0 });
    expect(received(sent)).toEqual(sent);
  });

  it("gives rows held through a long pause a full retry window from Resume", async () => {
    await performChange(ws.ctx, { action: "destination.pause", targetId: destinationId, payload: {} });
    await sendTraces("held");
    // As if queued two days ago: longer ago than the 24 h retry window.
    await ageTraces(destinationId, 48 * 3_600_000);
    await performChange(ws.ctx, { action: "destination.resume", targetId: destinationId, payload: {} });

    receiver.handle((_req, res) => res.writeHead(503).end("busy"));
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 0, retrying: 1, failed: 0 });
    expect(await rows()).toEqual([{ status: "pending" }]);
    expect(await prisma.deliveryAttempt.count({ where: { destinationId, ok: false, httpStatus: 503 } })).toBe(1);

    receiver.handle((_req, res) => res.end("ok"));
    await makeDue(destinationId);
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(2);
    expect(received(["trace held"])).toEqual(["trace held"]);
  });
});

describe("an auto-paused destination", () => {
  it("queues and holds new traces, and Resume delivers them", async () => {
    await prisma.destination.update({ where: { id: destinationId }, data: { failingSince: new Date(Date.now() - 7 * 3_600_000), consecutiveFailures: 9 } });
    expect(await autoPauseIfFailingSince(destinationId, new Date())).toBe(1);
    const sent = await sendTraces("a", "b");
    expect(await kickedAfterIngest()).not.toContain(destinationId);
    expect(await destinationsWithDueWork()).not.toContain(destinationId);
    expect((await drainDestination(destinationId)).stopped).toBe("destination auto_paused");

    await performChange(ws.ctx, { action: "destination.resume", targetId: destinationId, payload: {} });
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 2 });
    expect(received(sent)).toEqual(sent);
  });
});

describe("a disabled destination", () => {
  it("queues nothing: enabling it sends nothing, a replay sends the traces", async () => {
    await performChange(ws.ctx, { action: "destination.update", targetId: destinationId, payload: { enabled: false } });
    const since = new Date(Date.now() - 1000);
    const sent = await sendTraces("x");
    expect(await rows()).toHaveLength(0);

    await performChange(ws.ctx, { action: "destination.update", targetId: destinationId, payload: { enabled: true } });
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(0);

    expect(await performChange(ws.ctx, { action: "destination.replay", targetId: destinationId, payload: { since: since.toISOString() } })).toMatchObject({ count: 1 });
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 1 });
    expect(received(sent)).toEqual(sent);
  });

  it("holds what was queued before it was disabled, with a full retry window once it is enabled again", async () => {
    await sendTraces("before"); // queued while active (the kick does nothing here)
    await performChange(ws.ctx, { action: "destination.update", targetId: destinationId, payload: { enabled: false } });
    await ageTraces(destinationId, 48 * 3_600_000);
    expect(await destinationsWithDueWork()).not.toContain(destinationId);
    expect((await drainDestination(destinationId)).stopped).toBe("destination disabled");

    await performChange(ws.ctx, { action: "destination.update", targetId: destinationId, payload: { enabled: true } });
    receiver.handle((_req, res) => res.writeHead(503).end("busy"));
    expect(await drainDestination(destinationId)).toMatchObject({ retrying: 1, failed: 0 });
  });
});

describe("broadcast off", () => {
  it("stores traces but queues nothing: turning it on sends nothing, a replay sends the traces", async () => {
    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: false } });
    const since = new Date(Date.now() - 1000);
    const sent = await sendTraces("stored");
    expect(await prisma.tracePayload.count({ where: { workspaceId: ws.ctx.workspace.id } })).toBe(1);
    expect(await rows()).toHaveLength(0);

    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: true } });
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(0);

    expect(await performChange(ws.ctx, { action: "destination.replay", targetId: destinationId, payload: { since: since.toISOString() } })).toMatchObject({ count: 1 });
    expect(await drainDestination(destinationId)).toMatchObject({ delivered: 1 });
    expect(received(sent)).toEqual(sent);
  });

  it("holds what was queued before it was turned off, with a full retry window once it is on again", async () => {
    await sendTraces("before"); // queued while active (the kick does nothing here)
    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: false } });
    await ageTraces(destinationId, 48 * 3_600_000);
    expect(await destinationsWithDueWork()).not.toContain(destinationId);
    expect((await drainDestination(destinationId)).stopped).toBe("broadcast is off for the workspace");

    await performChange(ws.ctx, { action: "broadcast.set", targetId: null, payload: { enabled: true } });
    receiver.handle((_req, res) => res.writeHead(503).end("busy"));
    expect(await drainDestination(destinationId)).toMatchObject({ retrying: 1, failed: 0 });
  });
});

describe("a deleted destination", () => {
  it("gets nothing", async () => {
    await performChange(ws.ctx, { action: "destination.delete", targetId: destinationId, payload: {} });
    await sendTraces("gone");
    expect(await rows()).toHaveLength(0);
    expect(await kickedAfterIngest()).not.toContain(destinationId);
    expect((await drainDestination(destinationId)).stopped).toBe("destination deleted");
    expect(receiver.requests).toHaveLength(0);
  });
});

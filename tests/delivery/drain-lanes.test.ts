// A drain working through a backlog keeps several claims in progress (TRACECAST_DRAIN_LANES):
// against the real database and a real receiver on 127.0.0.1, with the quick webhook's batches of 3.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { drainDestination, EXCEPTION_CLAIMS_PER_PASS } from "@/lib/delivery/drain";
import { acceptTraces } from "@/lib/ingest";
import { traceInput } from "@/lib/traces/schema";
import { apiKeyContext, createDestinationRow, createWorkspace, deliveriesOf, enqueue, startReceiver, type Receiver } from "../support/delivery";
import { quickWebhook } from "./quick-webhook";

vi.mock("@/lib/destinations/registry", async (importOriginal) => {
  const { withQuickWebhook } = await import("./quick-webhook");
  return withQuickWebhook(await importOriginal<typeof import("@/lib/destinations/registry")>());
});

let receiver: Receiver;
let workspaceId: string;
/** Requests the receiver is answering right now, and the most at once. */
let open = 0;
let mostOpen = 0;

/** Answers after `delayMs` (with `status` from the call's index), counting the requests in progress. */
function answerSlowly(delayMs: number, status: (index: number) => number = () => 200) {
  let index = 0;
  receiver.handle((_req, res) => {
    const code = status(index++);
    open++;
    mostOpen = Math.max(mostOpen, open);
    setTimeout(() => {
      open--;
      res.statusCode = code;
      res.end(code === 200 ? "ok" : "busy");
    }, delayMs);
  });
}

/** For each trace id, how many requests carried it. */
function requestsPerTrace(traceIds: string[]): number[] {
  return traceIds.map((id) => receiver.requests.filter((r) => r.body.includes(`"${id}"`)).length);
}

beforeEach(async () => {
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
  open = 0;
  mostOpen = 0;
});
afterEach(async () => {
  await receiver.close();
  vi.unstubAllEnvs();
});

async function backlog(traces: number) {
  const destination = await createDestinationRow(workspaceId, quickWebhook.type, { url: `${receiver.url}/hook` });
  await enqueue(workspaceId, [destination.id], traces);
  const rows = await deliveriesOf(destination.id);
  return { destination, traceIds: rows.map((r) => r.traceId) };
}

describe("drain lanes", () => {
  it("sends a backlog's batches two at a time, each trace once, every row delivered on its first attempt", async () => {
    vi.stubEnv("TRACECAST_DRAIN_LANES", "2");
    const { destination, traceIds } = await backlog(12);
    answerSlowly(150);

    const result = await drainDestination(destination.id);

    expect(result).toMatchObject({ delivered: 12, retrying: 0, failed: 0, more: false });
    expect(result.stopped).toBeUndefined();
    expect(receiver.requests).toHaveLength(12 / quickWebhook.maxBatch);
    expect(mostOpen).toBe(2);
    expect(requestsPerTrace(traceIds)).toEqual(traceIds.map(() => 1));
    const rows = await deliveriesOf(destination.id);
    expect(rows.map((r) => [r.status, r.attempts, r.claimToken])).toEqual(rows.map(() => ["delivered", 1, null]));
  });

  it("takes turns with the log: a replay's many rows leave room, each pass, for the traces arriving meanwhile", async () => {
    vi.stubEnv("TRACECAST_DRAIN_LANES", "1");
    const replayed = EXCEPTION_CLAIMS_PER_PASS * quickWebhook.maxBatch + 4;
    const { destination } = await backlog(replayed);
    // Live traffic, in the log, behind the replay's exception rows.
    const live = ["live-1", "live-2"];
    await acceptTraces(await apiKeyContext(workspaceId), live.map((id) => traceInput.parse({ id, model: "m", request: { messages: [{ role: "user", content: "hi" }] }, timing: { start: "2026-12-07T12:00:00Z", end: "2026-12-07T12:00:01Z" } })));
    answerSlowly(0);

    const first = await drainDestination(destination.id);
    // This pass: its share of the replay, then the log; the rest of the replay in the next pass.
    expect(first).toMatchObject({ delivered: EXCEPTION_CLAIMS_PER_PASS * quickWebhook.maxBatch + live.length, more: true });
    expect(live.map((id) => receiver.requests.some((r) => r.body.includes(`"${id}"`)))).toEqual([true, true]);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 4, more: false });
    expect((await deliveriesOf(destination.id)).every((r) => r.status === "delivered")).toBe(true);
  });

  it("with one lane, sends one batch at a time", async () => {
    vi.stubEnv("TRACECAST_DRAIN_LANES", "1");
    const { destination } = await backlog(9);
    answerSlowly(50);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 9 });
    expect(mostOpen).toBe(1);
  });

  it("two drains of the same destination at once (two processes) take disjoint claims: no trace is sent twice", async () => {
    vi.stubEnv("TRACECAST_DRAIN_LANES", "2");
    const { destination, traceIds } = await backlog(18);
    answerSlowly(60);

    const [a, b] = await Promise.all([drainDestination(destination.id), drainDestination(destination.id)]);

    expect(a.delivered + b.delivered).toBe(18);
    expect(requestsPerTrace(traceIds)).toEqual(traceIds.map(() => 1));
    const rows = await deliveriesOf(destination.id);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ["delivered", 1]));
  });

  it("a retryable failure in one lane stops the drain: no further claims, nothing left in flight, the rest still pending", async () => {
    vi.stubEnv("TRACECAST_DRAIN_LANES", "2");
    const { destination } = await backlog(30);
    // The first batch goes through (opening the second lane), then the platform answers 503.
    answerSlowly(60, (index) => (index === 0 ? 200 : 503));

    const result = await drainDestination(destination.id);

    expect(result.stopped).toMatch(/retryable failure/);
    expect(result.more).toBe(false);
    // The first batch, then at most one batch per lane before the failure is seen.
    expect(receiver.requests.length).toBeLessThanOrEqual(3);
    const rows = await deliveriesOf(destination.id);
    expect(rows.filter((r) => r.status === "delivered")).toHaveLength(quickWebhook.maxBatch);
    expect(rows.filter((r) => r.status === "in_flight")).toHaveLength(0);
    // Rows no lane claimed keep their attempt count: they were never tried.
    const untried = rows.filter((r) => r.status === "pending" && r.attempts === 0);
    expect(untried.length).toBeGreaterThanOrEqual(30 - 3 * quickWebhook.maxBatch);
    const state = await import("@/lib/db").then(({ prisma }) => prisma.destination.findUniqueOrThrow({ where: { id: destination.id } }));
    expect(state.circuitOpenUntil).not.toBeNull();
  });
});

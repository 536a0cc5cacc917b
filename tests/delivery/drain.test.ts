// The delivery engine against the real database and real HTTP receivers on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import { driver, prisma } from "@/lib/db";
import { acceptTraces } from "@/lib/ingest";
import { drainDestination, LOAD_PAYLOADS } from "@/lib/delivery/drain";
import { CIRCUIT_CAP_MS } from "@/lib/delivery/circuit";
import { claimDue } from "@/lib/delivery/outbox";
import { sweep } from "@/lib/delivery/sweep";
import { deleteExpiredTraces } from "@/lib/delivery/retention";
import { generateWebhookSecret } from "@/lib/destinations/webhook";
import { traceInput } from "@/lib/traces/schema";
import { apiKeyContext, createDestinationRow, createWorkspace, deliveriesOf, enqueue, freePort, makeDue, startReceiver, statusesOf, type Receiver } from "../support/delivery";
import { quickWebhook } from "./quick-webhook";

vi.mock("@/lib/destinations/registry", async (importOriginal) => {
  const { withQuickWebhook } = await import("./quick-webhook");
  return withQuickWebhook(await importOriginal<typeof import("@/lib/destinations/registry")>());
});

type OtlpBody = { resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[] };
const spansOf = (body: string) => (JSON.parse(body) as OtlpBody).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));

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

describe("end to end: acceptTraces → drain → receiver", () => {
  it("delivers each ingested trace once, signed per Standard Webhooks, and records the outcome", async () => {
    const secret = generateWebhookSecret();
    const destination = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/hook`, secret });
    const ctx = await apiKeyContext(workspaceId);
    const timing = { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" };
    const { ids, routed } = await acceptTraces(ctx, [
      traceInput.parse({ model: "openai/gpt-4o", timing, request: { messages: [{ role: "user", content: "hi" }] }, response: { messages: [{ role: "assistant", content: "hello" }] } }),
      traceInput.parse({ model: "anthropic/claude-sonnet-4", timing, request: { messages: [{ role: "user", content: "yo" }] }, response: { messages: [{ role: "assistant", content: "hey" }] } }),
    ]);
    expect(routed).toBe(2);

    const result = await drainDestination(destination.id);
    expect(result).toMatchObject({ delivered: 2, retrying: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(1); // one batch
    const request = receiver.requests[0];
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    expect(spansOf(request.body).length).toBeGreaterThanOrEqual(2);
    expect(request.body).toContain("gpt-4o");
    expect(ids).toHaveLength(2);

    // Delivered by the log: no Delivery row, the cursor passed them, one attempt row for the request.
    expect(await deliveriesOf(destination.id)).toEqual([]);
    expect(await statusesOf(destination.id)).toEqual(["delivered", "delivered"]);
    const attempts = await prisma.deliveryAttempt.findMany({ where: { destinationId: destination.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ ok: true, httpStatus: 200, traces: 2, error: null, nextAttemptAt: null, workspaceId });
    expect(attempts[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(attempts[0].toXid).not.toBeNull();
    const health = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(health).toMatchObject({ consecutiveFailures: 0, failingSince: null });
    expect(health.lastSuccessAt).toBeInstanceOf(Date);

    // Nothing left: a second drain sends nothing.
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("applies privacy mode before encoding", async () => {
    const open = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/open` });
    const private_ = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/private` }, { privacyMode: true });
    await enqueue(workspaceId, [open.id, private_.id], 1);
    await drainDestination(open.id);
    await drainDestination(private_.id);
    const body = (path: string) => receiver.requests.find((r) => r.url === path)!.body;
    // The prompt and the answer travel to the open destination only; usage and model go to both.
    for (const text of ["What's the weather in Paris?", "18 °C and sunny"]) {
      expect(body("/open")).toContain(text);
      expect(body("/private")).not.toContain(text);
    }
    expect(body("/private")).toContain("gen_ai.usage.input_tokens");
  });

  it("reads a trace routed to several destinations once, and privacy mode for one leaves the others' copy whole", async () => {
    const private_ = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/private` }, { privacyMode: true });
    const open = await createDestinationRow(workspaceId, "webhook", { url: `${receiver.url}/open` });
    await enqueue(workspaceId, [private_.id, open.id], 2);
    const queries = vi.spyOn(driver, "query");
    const payloadReads = () => queries.mock.calls.filter(([sql]) => sql === LOAD_PAYLOADS).length;

    expect(await drainDestination(private_.id)).toMatchObject({ delivered: 2 });
    expect(payloadReads()).toBe(1);
    expect(await drainDestination(open.id)).toMatchObject({ delivered: 2 });
    expect(payloadReads()).toBe(1);
    queries.mockRestore();

    const body = (path: string) => receiver.requests.find((r) => r.url === path)!.body;
    expect(body("/private")).not.toContain("What's the weather in Paris?");
    expect(body("/open")).toContain("What's the weather in Paris?");
    expect(body("/open")).toContain("18 °C and sunny");
  });
});

describe("failures and retries", () => {
  it("receiver down (refused, then 503) then up: every trace delivered exactly once, none lost", async () => {
    const port = await freePort();
    const destination = await createDestinationRow(workspaceId, quickWebhook.type, { url: `http://127.0.0.1:${port}/` }, {}, quickWebhook);
    await enqueue(workspaceId, [destination.id], 7);

    // Connection refused: the first batch is scheduled for a retry, the drain stops (destination struggling).
    const down = await drainDestination(destination.id);
    expect(down).toMatchObject({ delivered: 0, retrying: 3 });
    let rows = await deliveriesOf(destination.id);
    const retried = rows.filter((r) => r.attempts === 1);
    expect(retried).toHaveLength(3);
    for (const r of retried) {
      expect(r.status).toBe("pending");
      expect(r.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
      expect(r.lastError).toMatch(/Could not reach/);
    }

    // Up but overloaded.
    const flaky = await startReceiver(port);
    flaky.handle((_req, res) => res.writeHead(503).end("busy"));
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, retrying: 3 });
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).consecutiveFailures).toBe(2);

    // Healthy: everything arrives.
    flaky.handle((_req, res) => res.writeHead(200).end("ok"));
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 7, retrying: 0, failed: 0 });
    rows = await deliveriesOf(destination.id);
    expect(rows.every((r) => r.status === "delivered")).toBe(true);
    // The first request got the 503; the others were accepted.
    const okBodies = flaky.requests.slice(1).map((r) => r.body);
    // Each row's trace reached the receiver in exactly one successful request.
    for (const row of rows) expect(okBodies.filter((b) => b.includes(row.traceId))).toHaveLength(1);
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).consecutiveFailures).toBe(0);
    await flaky.close();
  });

  it("honours Retry-After on 429", async () => {
    receiver.handle((_req, res) => res.writeHead(429, { "retry-after": "120" }).end("slow down"));
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 1);
    const before = Date.now();
    await drainDestination(destination.id);
    const [row] = await deliveriesOf(destination.id);
    expect(row).toMatchObject({ status: "pending", lastStatus: 429 });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 120_000);
    expect(row.lastError).toContain("slow down");
  });

  it("retries a timed-out attempt", async () => {
    receiver.handle(() => undefined); // never answers
    const destination = await createDestinationRow(workspaceId, quickWebhook.type, { url: receiver.url }, {}, quickWebhook);
    await enqueue(workspaceId, [destination.id], 1);
    await drainDestination(destination.id);
    const [row] = await deliveriesOf(destination.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastStatus: null });
    expect(row.lastError).toMatch(/did not answer within/);

    receiver.handle((_req, res) => res.end("ok"));
    await makeDue(destination.id);
    await drainDestination(destination.id);
    expect((await deliveriesOf(destination.id))[0]).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("fails permanently on a 4xx, keeping the status and a body excerpt", async () => {
    receiver.handle((_req, res) => res.writeHead(400, { "content-type": "application/json" }).end('{"error":"unknown field resourceSpans"}'));
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 2);
    expect(await drainDestination(destination.id)).toMatchObject({ failed: 2 });
    const rows = await deliveriesOf(destination.id);
    for (const row of rows) {
      expect(row).toMatchObject({ status: "failed", lastStatus: 400 });
      expect(row.lastError).toContain("unknown field resourceSpans");
    }
    expect(receiver.requests).toHaveLength(1);
  });

  it("gives up after the retry window", async () => {
    vi.stubEnv("TRACECAST_RETRY_WINDOW_HOURS", "1");
    receiver.handle((_req, res) => res.writeHead(502).end("bad gateway"));
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 1, { receivedAt: new Date(Date.now() - 2 * 3_600_000) });
    await drainDestination(destination.id);
    const [row] = await deliveriesOf(destination.id);
    expect(row).toMatchObject({ status: "failed", lastStatus: 502 });
    expect(row.lastError).toMatch(/gave up after 1 attempts over 1 h/);
  });
});

describe("one bad trace does not poison its batch", () => {
  const timingAgo = (agoMs: number) => {
    const start = new Date(Date.now() - agoMs);
    return { start: start.toISOString(), end: new Date(start.getTime() + 800).toISOString(), duration_ms: 800, time_to_first_token_ms: 200 };
  };

  it("a trace too large to encode fails alone with its own error; the rest of the batch is delivered", async () => {
    receiver.handle((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ row_ids: [] })));
    const destination = await createDestinationRow(workspaceId, "braintrust", { apiKey: "bt-key", projectId: "proj-1", baseUrl: receiver.url });
    const [first] = await enqueue(workspaceId, [destination.id], 1);
    // 2 MB stored, but Braintrust repeats metadata on each of its three events: over its 5 MB
    // request limit on its own, so no request could ever carry it.
    const [huge] = await enqueue(workspaceId, [destination.id], 1, { trace: { metadata: { blob: "x".repeat(2 * 1024 * 1024) } } });
    const [last] = await enqueue(workspaceId, [destination.id], 1);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, failed: 1, retrying: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].body).not.toContain("x".repeat(1000));
    const rows = new Map((await deliveriesOf(destination.id)).map((d) => [d.id, d]));
    expect(rows.get(first)).toMatchObject({ status: "delivered", lastError: null });
    expect(rows.get(last)).toMatchObject({ status: "delivered", lastError: null });
    expect(rows.get(huge)).toMatchObject({ status: "failed" });
    expect(rows.get(huge)!.lastError).toMatch(/Could not encode the traces for Braintrust: A trace encodes to \d+ bytes/);
    // Not a platform failure: the destination's health is untouched.
    expect(await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).toMatchObject({ consecutiveFailures: 0 });
  });

  it("Datadog: a trace older than 24 h fails alone; the fresh traces of the same request are delivered", async () => {
    receiver.handle((_req, res) => res.writeHead(202).end());
    const destination = await createDestinationRow(workspaceId, "datadog", { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: receiver.url });
    const fresh = await enqueue(workspaceId, [destination.id], 2, { trace: { timing: timingAgo(60_000) } });
    const [stale] = await enqueue(workspaceId, [destination.id], 1, { trace: { timing: timingAgo(25 * 3_600_000) } });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, failed: 1 });
    expect(receiver.requests).toHaveLength(1);
    const rows = new Map((await deliveriesOf(destination.id)).map((d) => [d.id, d]));
    for (const id of fresh) expect(rows.get(id)).toMatchObject({ status: "delivered", lastError: null });
    expect(rows.get(stale)).toMatchObject({ status: "failed" });
    expect(rows.get(stale)!.lastError).toMatch(/only accepts spans up to 24 hours old/);
    // "Retry failed" requeues only the stale one, which fails again without being sent.
    await prisma.delivery.updateMany({ where: { destinationId: destination.id, status: "failed" }, data: { status: "pending", nextAttemptAt: new Date() } });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, failed: 1 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("leases", () => {
  it("reclaims rows a crashed drain abandoned once the lease expires, and delivers them", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 2);
    // A drain claims with a short lease, then "crashes" without recording anything.
    const crashed = await claimDue(destination.id, 10, new Date(), 200);
    expect(crashed.rows).toHaveLength(2);
    // While the lease holds, nobody else takes them.
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 250));
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2 });
    const rows = await deliveriesOf(destination.id);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([["delivered", 2], ["delivered", 2]]);

    // The crashed drain's late outcome is ignored: it no longer owns the rows.
    const { recordFailed } = await import("@/lib/delivery/outbox");
    expect((await recordFailed(crashed.rows.map((r) => r.id), crashed.token, { status: 500, error: "late" })).count).toBe(0);
    expect((await deliveriesOf(destination.id)).every((r) => r.status === "delivered")).toBe(true);
  });

  it("gives concurrent drains disjoint rows", async () => {
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 5);
    const [a, b] = await Promise.all([claimDue(destination.id, 3), claimDue(destination.id, 3)]);
    const ids = [...a.rows, ...b.rows].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5);
  });
});

describe("batching", () => {
  it("claims at most maxBatch rows per request and splits by maxBatchBytes", async () => {
    const destination = await createDestinationRow(workspaceId, quickWebhook.type, { url: receiver.url }, {}, quickWebhook);
    await enqueue(workspaceId, [destination.id], 7);
    expect(await drainDestination(destination.id, { maxBatches: 1 })).toMatchObject({ delivered: 3, more: true });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 4, more: false });
    expect(receiver.requests).toHaveLength(3); // 3 + 3 + 1
  });

  it("stops after a claim short of maxBatch: rows stored while it sent wait for their own kick, not a one-row request", async () => {
    const destination = await createDestinationRow(workspaceId, quickWebhook.type, { url: receiver.url }, {}, quickWebhook);
    await enqueue(workspaceId, [destination.id], 2);
    receiver.handle(async (_req, res) => {
      // Ingest goes on while the batch is being delivered.
      if (receiver.requests.length === 1) await enqueue(workspaceId, [destination.id], 1);
      res.end("ok");
    });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, more: false });
    expect(receiver.requests).toHaveLength(1);
    expect((await deliveriesOf(destination.id)).map((d) => d.status).sort()).toEqual(["delivered", "delivered", "pending"]);
    // The next drain (its kick) takes it.
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 1 });
  });
});

describe("auto-pause", () => {
  it("pauses a destination failing for longer than the threshold, audits it, and keeps its deliveries pending", async () => {
    vi.stubEnv("TRACECAST_AUTO_PAUSE_AFTER_MINUTES", "30");
    receiver.handle((_req, res) => res.writeHead(500).end("down"));
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 2);

    await drainDestination(destination.id);
    let row = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(row).toMatchObject({ status: "active", consecutiveFailures: 1 });
    expect(row.failingSince).toBeInstanceOf(Date);

    // The streak began 31 minutes ago.
    await prisma.destination.update({ where: { id: destination.id }, data: { failingSince: new Date(Date.now() - 31 * 60_000) } });
    await makeDue(destination.id);
    expect((await drainDestination(destination.id)).stopped).toBe("destination auto-paused");
    row = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(row).toMatchObject({ status: "auto_paused", consecutiveFailures: 2 });
    expect(row.statusReason).toMatch(/Paused automatically.*500/);

    const audit = await prisma.auditEvent.findMany({ where: { workspaceId, action: "destination.auto_pause" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, actorLabel: "system", targetId: destination.id });

    // Paused: nothing is attempted, nothing is lost.
    receiver.handle((_req, res) => res.end("ok"));
    await makeDue(destination.id);
    expect((await drainDestination(destination.id)).stopped).toBe("destination auto_paused");
    expect((await deliveriesOf(destination.id)).every((d) => d.status === "pending")).toBe(true);
  });
});

describe("retention", () => {
  it("deletes traces older than the retention period with their deliveries, in chunks", async () => {
    vi.stubEnv("TRACECAST_RETENTION_DAYS", "30");
    const destination = await createDestinationRow(workspaceId, "webhook", { url: receiver.url });
    await enqueue(workspaceId, [destination.id], 5, { receivedAt: new Date(Date.now() - 31 * 86_400_000) });
    await enqueue(workspaceId, [destination.id], 2, { receivedAt: new Date(Date.now() - 29 * 86_400_000) });
    expect(await deleteExpiredTraces(new Date(), { chunkSize: 2 })).toBe(5);
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(2);
    expect(await prisma.delivery.count({ where: { destinationId: destination.id } })).toBe(2);
  });
});

// The destination's circuit breaker and the lease renewal (lib/delivery/circuit.ts, drain.ts). Time
// is a clock handed to the sweep and the drains, moved forward as the inline sweeper (every 5 s)
// would see it.
const SWEEP_INTERVAL_MS = 5_000;

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
    // Queued at `start` (not a millisecond later, when they would not yet be due at `start`).
    await enqueue(workspaceId, [destination.id], 3, { receivedAt: start });
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
    // The outage: a drain each time something of the destination can be due (its circuit
    // half-opens, or a row's backoff ends), as the sweeper would start it; in between there is
    // nothing to do.
    let t = start.getTime();
    while (t < recovery) {
      const at = new Date(t);
      await drainDestination(destination.id, { now: () => at });
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
  }, 90_000);

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

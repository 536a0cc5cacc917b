// The Traces view ("why not sent") end to end: traces sent to the real ingest route with real
// destinations (webhooks on 127.0.0.1 answering 200, 503 and 400), drained for real, then read
// through GET /api/workspaces/:id/traces: per destination, the delivery status where the trace was
// routed, else the reason routing recorded at ingest.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));
vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

import { NextRequest } from "next/server";
import * as traces from "@/app/api/workspaces/[workspaceId]/traces/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test-trace/route";
import { POST as ingest } from "@/app/api/v1/traces/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { TRACE_SCAN_LIMIT } from "@/lib/delivery/trace-outcomes";
import type { Prisma } from "@/lib/generated/prisma/client";
import { invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { samplingKey, samplingPoint } from "@/lib/routing/sampling";
import { sampleTrace } from "@/lib/traces/fixtures";
import type { TraceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { createDestinationRow, startReceiver, type Receiver } from "../support/delivery";
import { planNodes, plansOf } from "./query-plans";

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let outsider: User;
let workspaceId: string;
let prod: { id: string; secret: string };
let staging: { id: string; secret: string };
const receivers: Receiver[] = [];
const dest: Record<string, string> = {};

/** A session id whose sampling point is at or above 0.5: a 50 % destination samples it out. */
function sessionSampledOutAtHalf(): string {
  for (let i = 0; ; i++) {
    const session = `session-${i}`;
    if (samplingPoint(samplingKey({ id: "x", session_id: session, trace: { trace_id: null } as never })) >= 0.5) return session;
  }
}
const SESSION = sessionSampledOutAtHalf();

function traceBody(overrides: Partial<TraceInput> = {}): TraceInput {
  return {
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: "Why not sent?" }] },
    response: { messages: [{ role: "assistant", content: "Let us see." }] },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
    session_id: SESSION,
    ...overrides,
  };
}

async function send(secret: string, body: TraceInput) {
  const res = await ingest(
    new NextRequest("http://127.0.0.1/api/v1/traces", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, body: JSON.stringify(body) }),
    { params: Promise.resolve({}) },
  );
  expect(res.status).toBe(202);
}

async function receiverAnswering(status: number) {
  const receiver = await startReceiver();
  receiver.handle((_req, res) => {
    res.statusCode = status;
    res.end(status === 200 ? "ok" : "no");
  });
  receivers.push(receiver);
  return receiver.url;
}

const list = (search: Record<string, string> = {}, as = workspaceId) => call(traces.GET, { params: { workspaceId: as }, search });

beforeAll(async () => {
  owner = await createUser("traces-owner");
  member = await createUser("traces-member");
  outsider = await createUser("traces-outsider");
  workspaceId = (await createOrganization(owner, "Traces org")).id;
  await addMembership(workspaceId, member, "member");
  const key = async (name: string) => {
    const { apiKey, secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name, actor: null }));
    return { id: apiKey.id, secret };
  };
  prod = await key("Prod");
  staging = await key("Staging");
  const webhook = async (name: string, url: string, extra: Partial<Prisma.DestinationUncheckedCreateInput> = {}) =>
    (dest[name] = (await createDestinationRow(workspaceId, "webhook", { url }, { name, ...extra })).id);
  await webhook("ok", await receiverAnswering(200));
  await webhook("flaky", await receiverAnswering(503));
  await webhook("broken", await receiverAnswering(400));
  await webhook("paused", await receiverAnswering(200), { status: "paused" });
  await webhook("half", await receiverAnswering(200), { samplingRate: 0.5 });
  await webhook("claude", await receiverAnswering(200), { filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value: "claude" }] }] } });
  await webhook("only-staging", await receiverAnswering(200), { apiKeyInclude: [staging.id] });
  await webhook("not-prod", await receiverAnswering(200), { apiKeyExclude: [prod.id] });
  await webhook("off", await receiverAnswering(200), { enabled: false });
  invalidateIngestConfig(workspaceId);
});
afterAll(() => Promise.all(receivers.map((r) => r.close())));

describe("reasons recorded at ingest", () => {
  it("stores, with the trace, why each destination that did not get it did not, and nothing for those routed", async () => {
    await send(prod.secret, traceBody({ id: "why-1", trace: { trace_name: "checkout flow" } }));
    const row = await prisma.tracePayload.findFirstOrThrow({ where: { workspaceId, data: { path: ["id"], equals: "why-1" } } });
    expect(Object.keys(row.routes as object).sort()).toEqual([dest.ok, dest.flaky, dest.broken, dest.paused].sort());
    expect(row.notSent).toEqual({
      [dest.half]: { r: "sampled_out", rate: 0.5 },
      [dest.claude]: { r: "filter", rule: { field: "model", operator: "contains", value: "claude" } },
      [dest["only-staging"]]: { r: "key_not_included" },
      [dest["not-prod"]]: { r: "key_excluded" },
      [dest.off]: { r: "disabled" },
    });
  });

  it("with Broadcast off, stores the trace with every destination's reason: Broadcast off (disabled ones: disabled)", async () => {
    await prisma.workspace.update({ where: { id: workspaceId }, data: { broadcastEnabled: false } });
    invalidateIngestConfig(workspaceId);
    try {
      await send(prod.secret, traceBody({ id: "why-off" }));
    } finally {
      await prisma.workspace.update({ where: { id: workspaceId }, data: { broadcastEnabled: true } });
      invalidateIngestConfig(workspaceId);
    }
    const row = await prisma.tracePayload.findFirstOrThrow({ where: { workspaceId, data: { path: ["id"], equals: "why-off" } } });
    expect(row.routes).toBeNull();
    expect(row.notSent).toEqual(Object.fromEntries(Object.entries(dest).map(([name, id]) => [id, { r: name === "off" ? "disabled" : "broadcast_off" }])));
  });

  it("records a test trace sent from one destination's page as meant for that one only (keyless: not among include lists)", async () => {
    actAs(owner);
    const before = new Date();
    const sent = await call(testTrace.POST, { method: "POST", params: { workspaceId, destinationId: dest.ok } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    const row = await prisma.tracePayload.findFirstOrThrow({ where: { workspaceId, isTest: true, receivedAt: { gte: before } } });
    expect(Object.keys(row.routes as object)).toEqual([dest.ok]);
    expect(row.notSent).toMatchObject({
      [dest.flaky]: { r: "test_for_other" },
      [dest.paused]: { r: "test_for_other" },
      [dest["only-staging"]]: { r: "key_not_included" },
      [dest.off]: { r: "disabled" },
    });
    await prisma.tracePayload.delete({ where: { id: row.id } });
  });
});

describe("GET /api/workspaces/:id/traces", () => {
  beforeAll(async () => {
    for (const name of ["ok", "flaky", "broken"]) await drainDestination(dest[name]);
  });

  it("answers, per destination, delivered / retrying / failed / waiting, or not sent with the reason", async () => {
    actAs(member);
    const res = await list();
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.destinations.map((d: { name: string }) => d.name)).toEqual(Object.keys(dest));
    const [off, first] = res.json.traces;
    expect(off.traceId).toBe("why-off");
    expect(first).toMatchObject({ traceId: "why-1", name: "checkout flow", model: "openai/gpt-4o-mini", apiKeyName: "Prod", sessionId: SESSION, isTest: false });
    expect(first.outcomes).toMatchObject({
      [dest.ok]: { status: "delivered" },
      [dest.flaky]: { status: "retrying", attempts: 1, lastError: expect.stringContaining("503") },
      [dest.broken]: { status: "failed", attempts: 1 },
      [dest.paused]: { status: "waiting" },
      [dest.half]: { status: "not_sent", reason: { r: "sampled_out", rate: 0.5 } },
      [dest.claude]: { status: "not_sent", reason: { r: "filter", rule: { field: "model", operator: "contains", value: "claude" } } },
      [dest["only-staging"]]: { status: "not_sent", reason: { r: "key_not_included" } },
      [dest["not-prod"]]: { status: "not_sent", reason: { r: "key_excluded" } },
      [dest.off]: { status: "not_sent", reason: { r: "disabled" } },
    });
    expect(off.outcomes[dest.ok]).toEqual({ status: "not_sent", reason: { r: "broadcast_off" } });
  });

  it("says 'not recorded' for traces stored before reasons were, and 'added later' for destinations created after the trace", async () => {
    const before = new Date(Date.now() - 3_600_000);
    await prisma.tracePayload.create({ data: { id: "gen-old", workspaceId, data: sampleTrace({ id: "old-trace" }) as never, sizeBytes: 1, receivedAt: before } });
    await prisma.destination.updateMany({ where: { workspaceId }, data: { createdAt: new Date(Date.now() - 86_400_000) } });
    await prisma.destination.update({ where: { id: dest.off }, data: { createdAt: new Date(before.getTime() + 1000) } });
    const res = await list({ q: "old-trace" });
    expect(res.json.traces).toHaveLength(1);
    expect(res.json.traces[0].outcomes[dest.ok]).toEqual({ status: "not_recorded" });
    expect(res.json.traces[0].outcomes[dest.off]).toEqual({ status: "added_later" });
  });

  it("filters by outcome and destination, searches by trace id, session and name, and pages newest first", async () => {
    const ids = async (search: Record<string, string>) => (await list(search)).json.traces.map((t: { traceId: string }) => t.traceId);
    expect(await ids({ outcome: "failed" })).toEqual(["why-1"]);
    expect(await ids({ outcome: "not_sent" })).toEqual(["why-off", "why-1"]);
    expect(await ids({ outcome: "delivered", destination: dest.ok })).toEqual(["why-1"]);
    expect(await ids({ outcome: "waiting" })).toEqual(["why-1"]);
    expect(await ids({ q: "CHECKOUT" })).toEqual(["why-1"]);
    expect(await ids({ q: SESSION })).toEqual(["why-off", "why-1"]);
    expect(await ids({ q: "why-off" })).toEqual(["why-off"]);
    const one = await list({ destination: dest.ok, limit: "1" });
    expect(one.json.destinations).toHaveLength(Object.keys(dest).length);
    expect(Object.keys(one.json.traces[0].outcomes)).toEqual([dest.ok]);
    const next = await list({ limit: "1", cursor: one.json.nextCursor });
    expect(next.json.traces.map((t: { traceId: string }) => t.traceId)).toEqual(["why-1"]);
    expect((await list({ cursor: "nonsense" })).status).toBe(400);
    expect((await list({ outcome: "lost" })).status).toBe(400);
  });

  it("shows one workspace's traces to its members only, and no other workspace's destination", async () => {
    actAs(outsider);
    expect((await list()).status).toBe(404);
    const own = await list({}, outsider.personalWorkspaceId);
    expect(own.status).toBe(200);
    expect(own.json.traces).toEqual([]);
    expect(own.json.destinations).toEqual([]);
    expect((await list({ destination: dest.ok }, outsider.personalWorkspaceId)).status).toBe(404);
    actAs(owner);
  });
});

describe("with many traces", () => {
  it("reads at most the scan limit through an index on receivedAt, and says how far back a filtered page searched", async () => {
    const older = new Date(Date.now() - 2 * 3_600_000);
    await prisma.$executeRaw`
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt", "notSent")
      SELECT 'bulk-' || lpad(i::text, 6, '0'), ${workspaceId}, ${JSON.stringify(sampleTrace())}::jsonb, 1000, ${older}::timestamp(3) - i * interval '1 second',
             jsonb_build_object(${dest.ok}::text, jsonb_build_object('r', 'sampled_out', 'rate', 0.1))
        FROM generate_series(1, ${3 * TRACE_SCAN_LIMIT}::int) AS i`;
    await prisma.$executeRawUnsafe("ANALYZE");
    // A filter nothing matches: one request reads one scan's worth and hands back where it stopped.
    const failed = await list({ outcome: "failed", destination: dest.ok });
    expect(failed.json.traces).toEqual([]);
    expect(failed.json.searchedUntil).not.toBeNull();
    expect(failed.json.nextCursor).not.toBeNull();
    const plain = await list({ limit: "20" });
    expect(plain.json.traces).toHaveLength(20);

    const plans = await plansOf(async () => {
      await list({ outcome: "failed" });
      await list({ limit: "20" });
    });
    expect(plans).toHaveLength(2);
    const scans: number[] = [];
    for (const plan of plans) {
      const nodes = planNodes(plan);
      expect(nodes.some((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "TracePayload")).toBe(false);
      // Either index on receivedAt, by the planner's statistics (here nearly every trace is this workspace's).
      const scanned = nodes.filter((n) => n["Relation Name"] === "TracePayload" && n["Index Name"]?.includes("receivedAt"));
      expect(scanned.length).toBeGreaterThan(0);
      scans.push(Math.max(...scanned.map((n) => n["Actual Rows"])));
    }
    // Filtered: one scan's worth of 3000+ traces; unfiltered: the page and one more (and the
    // incremental sort's look at the next row).
    expect(scans[0]).toBeLessThanOrEqual(TRACE_SCAN_LIMIT + 1);
    expect(scans[1]).toBeLessThanOrEqual(22);
  });
});

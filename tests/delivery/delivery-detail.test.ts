// One delivery in detail, through the real route handlers and database: the trace, every attempt
// that carried it, the request re-encoded with secrets masked, tenant isolation, and "send again"
// of one trace (retry a failed delivery, replay a delivered one), governed like the other requeues.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as deliveries from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/route";
import * as detail from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/[deliveryId]/route";
import * as requeue from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/[deliveryId]/requeue/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { logDeliveryId } from "@/lib/delivery/log";
import { MAX_SHOWN_BODY_CHARS } from "@/lib/delivery/detail";
import { acceptTraces } from "@/lib/ingest";
import { maskRequest } from "@/lib/destinations/http";
import { secretForms } from "@/lib/outbound/masking";
import { traceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { apiKeyContext, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let outsider: User;
let orgId: string;
let otherOrgId: string;
let receiver: Receiver;

const SIGNING_SECRET = `whsec_${Buffer.from("detail-signing-secret-0123456789").toString("base64")}`;
const HEADER_SECRET = "tc-header-secret-value-9f8e7d6c";

beforeAll(async () => {
  owner = await createUser("owner");
  member = await createUser("member");
  outsider = await createUser("outsider");
  orgId = (await createOrganization(owner, "Acme")).id;
  await addMembership(orgId, member, "member");
  otherOrgId = (await createOrganization(outsider, "Globex")).id;
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  actAs(owner);
  receiver.handle((_req, res) => res.end("ok"));
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
  await prisma.changeRequest.deleteMany({});
});

const dp = (destinationId: string, workspaceId = orgId) => ({ workspaceId, destinationId });
const one = (destinationId: string, deliveryId: string, workspaceId = orgId) => ({ workspaceId, destinationId, deliveryId });

async function createWebhook(workspaceId = orgId) {
  const res = await call(list.POST, {
    method: "POST",
    params: { workspaceId },
    body: { type: "webhook", name: "Hook", config: { url: `${receiver.url}/hook`, secret: SIGNING_SECRET, headers: { "X-Custom-Auth": HEADER_SECRET } } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination.id as string;
}

let ingested = 0;
/** The caller's id of the last trace ingest() sent. */
let callerId = "";

/** One trace through the real ingest, with the fields the detail shows; returns its stored id. */
async function ingest(workspaceId = orgId, fields: Record<string, unknown> = {}): Promise<string> {
  const ctx = await apiKeyContext(workspaceId, "Checkout service");
  const start = new Date(Date.now() - 2000);
  callerId = `caller-trace-${++ingested}`;
  await acceptTraces(ctx, [
    traceInput.parse({
      id: callerId,
      model: "openai/gpt-4o",
      provider: "openai",
      session_id: "sess-42",
      user: "user-7",
      trace: { trace_name: "checkout" },
      request: { messages: [{ role: "user", content: "Where is my order?" }] },
      response: { id: "chatcmpl-abc", messages: [{ role: "assistant", content: "On its way." }] },
      timing: { start: start.toISOString(), end: new Date(start.getTime() + 800).toISOString() },
      ...fields,
    }),
  ]);
  const [stored] = await prisma.$queryRaw<{ id: string }[]>`SELECT id FROM "TracePayload" WHERE data->>'id' = ${callerId}`;
  return stored.id;
}

/** Nothing of the destination's secrets, in any of the forms they travel in. */
function expectNoSecret(json: unknown) {
  const text = JSON.stringify(json);
  for (const form of secretForms([SIGNING_SECRET, HEADER_SECRET])) expect(text).not.toContain(form);
  expect(text).not.toContain(SIGNING_SECRET.slice("whsec_".length));
}

describe("the delivery detail", () => {
  it("shows a delivered log trace: the trace, its one request, and the request re-encoded with secrets masked", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    await drainDestination(destinationId);
    const res = await call(detail.GET, { params: one(destinationId, logDeliveryId(traceId, destinationId)) });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      status: "delivered",
      exceptionRow: false,
      lastStatus: 200,
      nextAttemptAt: null,
      trace: {
        id: traceId,
        externalId: callerId,
        generationId: "chatcmpl-abc",
        name: "checkout",
        model: "openai/gpt-4o",
        provider: "openai",
        apiKeyName: "Checkout service",
        sessionId: "sess-42",
        user: "user-7",
        isTest: false,
      },
    });
    expect(res.json.trace.sizeBytes).toBeGreaterThan(100);
    expect(res.json.deliveredAt).not.toBeNull();
    expect(res.json.attempts).toHaveLength(1);
    expect(res.json.attempts[0]).toMatchObject({ ok: true, httpStatus: 200, traces: 1, error: null });

    const { sent } = res.json;
    expect(sent.kind).toBe("requests");
    expect(sent.requests).toHaveLength(1);
    const [request] = sent.requests;
    expect(request).toMatchObject({ method: "POST", url: `${receiver.url}/hook`, truncated: false, bodyBase64: null });
    // The very body the platform received (the trace's own request: it was alone in its batch).
    expect(request.body).toContain(callerId);
    expect(request.body).toBe(receiver.requests.at(-1)!.body);
    expect(request.headers["X-Custom-Auth"] ?? request.headers["x-custom-auth"]).toMatch(/^.{4}\.\.\..{4}$/);
    expect(request.headers["webhook-signature"]).toBeDefined();
    expectNoSecret(res.json);
    // What was really sent carried the secret header: the detail is what masks it.
    expect(receiver.requests.at(-1)!.headers["x-custom-auth"]).toBe(HEADER_SECRET);
  });

  it("re-encodes with the destination's current privacy mode, as delivery would", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    await prisma.destination.update({ where: { id: destinationId }, data: { privacyMode: true, version: { increment: 1 } } });
    const res = await call(detail.GET, { params: one(destinationId, logDeliveryId(traceId, destinationId)) });
    expect(res.json.status).toBe("pending");
    expect(res.json.sent.requests[0].body).not.toContain("Where is my order?");
    expect(res.json.sent.requests[0].body).toContain(callerId);
  });

  it("caps a large body and says it is cut", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest(orgId, { request: { messages: [{ role: "user", content: "x".repeat(MAX_SHOWN_BODY_CHARS + 10_000) }] } });
    const res = await call(detail.GET, { params: one(destinationId, logDeliveryId(traceId, destinationId)) });
    const [request] = res.json.sent.requests;
    expect(request.truncated).toBe(true);
    expect(request.body).toHaveLength(MAX_SHOWN_BODY_CHARS);
    expect(request.bodyBytes).toBeGreaterThan(MAX_SHOWN_BODY_CHARS);
  });

  it("shows a log trace held by a failing platform as pending, with the failed requests, the answer and when it is tried again", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    receiver.handle((_req, res) => res.writeHead(503).end(`overloaded, key ${HEADER_SECRET}`));
    await drainDestination(destinationId);
    const res = await call(detail.GET, { params: one(destinationId, logDeliveryId(traceId, destinationId)) });
    expect(res.json).toMatchObject({ status: "pending", exceptionRow: false, lastStatus: 503 });
    expect(res.json.attempts).toEqual([expect.objectContaining({ ok: false, httpStatus: 503 })]);
    expect(res.json.attempts[0].error).toContain("overloaded");
    expect(res.json.lastError).toContain("overloaded");
    expect(new Date(res.json.nextAttemptAt).getTime()).toBeGreaterThan(Date.now());
    expectNoSecret(res.json);
  });

  it("retries a failed delivery: its requests of the log and of its own row, in one history", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    receiver.handle((_req, res) => res.writeHead(400).end("bad payload"));
    await drainDestination(destinationId);
    const deliveryId = logDeliveryId(traceId, destinationId);
    const failed = await call(detail.GET, { params: one(destinationId, deliveryId) });
    expect(failed.json).toMatchObject({ status: "failed", exceptionRow: true, lastStatus: 400, nextAttemptAt: null });
    expect(failed.json.lastError).toContain("bad payload");

    // The dry run counts, changes nothing.
    expect((await call(requeue.POST, { method: "POST", params: one(destinationId, deliveryId), body: { dryRun: true } })).json).toEqual({ dryRun: true, count: 1 });
    expect((await prisma.delivery.findFirstOrThrow({ where: { traceId } })).status).toBe("failed");

    const retried = await call(requeue.POST, { method: "POST", params: one(destinationId, deliveryId), body: {} });
    expect(retried.status, JSON.stringify(retried.json)).toBe(200);
    expect(retried.json).toEqual({ dryRun: false, count: 1 });
    expect(await prisma.delivery.findFirstOrThrow({ where: { traceId } })).toMatchObject({ status: "pending", attempts: 0 });
    const again = await call(requeue.POST, { method: "POST", params: one(destinationId, deliveryId), body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("already_queued");
    expect(await prisma.auditEvent.count({ where: { workspaceId: orgId, action: "destination.requeue_trace", targetId: destinationId } })).toBe(1);

    receiver.handle((_req, res) => res.end("ok"));
    await drainDestination(destinationId);
    const delivered = await call(detail.GET, { params: one(destinationId, deliveryId) });
    expect(delivered.json.status).toBe("delivered");
    expect(delivered.json.attempts.map((a: { ok: boolean; httpStatus: number }) => [a.ok, a.httpStatus])).toEqual([
      [true, 200],
      [false, 400],
    ]);
  });

  it("replays a delivered log trace: a new row in the log, and the old id still opens its detail", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    await drainDestination(destinationId);
    const deliveryId = logDeliveryId(traceId, destinationId);
    const sentBefore = receiver.requests.length;
    expect((await call(requeue.POST, { method: "POST", params: one(destinationId, deliveryId), body: {} })).json.count).toBe(1);
    const page = await call(deliveries.GET, { params: dp(destinationId) });
    expect(page.json.deliveries).toHaveLength(1);
    const row = page.json.deliveries[0];
    expect(row).toMatchObject({ traceId, status: "pending" });
    expect((await call(detail.GET, { params: one(destinationId, row.id) })).json.status).toBe("pending");
    expect((await call(detail.GET, { params: one(destinationId, deliveryId) })).json).toMatchObject({ status: "pending", exceptionRow: true });
    await drainDestination(destinationId);
    expect(receiver.requests).toHaveLength(sentBefore + 1);
    // A pending log trace is already waiting: nothing to send again.
    const waiting = await ingest();
    const refused = await call(requeue.POST, { method: "POST", params: one(destinationId, logDeliveryId(waiting, destinationId)), body: {} });
    expect(refused.status).toBe(409);
  });

  it("is not found for another workspace's delivery, an unknown id, or a trace not routed to the destination", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    actAs(outsider);
    const foreignDestination = await createWebhook(otherOrgId);
    const foreignTrace = await ingest(otherOrgId);
    await drainDestination(foreignDestination);
    // The other workspace's id under this workspace's destination, and under its own destination.
    actAs(owner);
    const foreignId = logDeliveryId(foreignTrace, foreignDestination);
    expect((await call(detail.GET, { params: one(foreignDestination, foreignId) })).status).toBe(404);
    expect((await call(detail.GET, { params: one(destinationId, logDeliveryId(foreignTrace, destinationId)) })).status).toBe(404);
    expect((await call(requeue.POST, { method: "POST", params: one(foreignDestination, foreignId), body: {} })).status).toBe(404);
    expect((await call(detail.GET, { params: one(destinationId, "cl0000000000000000000000") })).status).toBe(404);
    expect((await call(detail.GET, { params: one(destinationId, "x".repeat(401)) })).status).toBe(400);
    // A destination the trace was not routed to (created after it).
    const later = await createWebhook();
    expect((await call(detail.GET, { params: one(later, logDeliveryId(traceId, later)) })).status).toBe(404);
    // Not a member of the workspace: refused, nothing of it shown.
    actAs(outsider);
    const refused = await call(detail.GET, { params: one(destinationId, logDeliveryId(traceId, destinationId)) });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.json)).not.toContain(traceId);
  });

  it("a member of an organization reads the detail, and proposes sending a trace again; an approval sends it", async () => {
    const destinationId = await createWebhook();
    const traceId = await ingest();
    receiver.handle((_req, res) => res.writeHead(400).end("bad payload"));
    await drainDestination(destinationId);
    const deliveryId = logDeliveryId(traceId, destinationId);
    actAs(member);
    expect((await call(detail.GET, { params: one(destinationId, deliveryId) })).status).toBe(200);
    const proposed = await call(requeue.POST, { method: "POST", params: one(destinationId, deliveryId), body: {} });
    expect(proposed.status, JSON.stringify(proposed.json)).toBe(202);
    expect(proposed.json.changeRequest).toMatchObject({ status: "pending", action: "destination.requeue_trace" });
    expect(proposed.json.changeRequest.title).toContain(traceId);
    expect((await prisma.delivery.findFirstOrThrow({ where: { traceId } })).status).toBe("failed");

    actAs(owner);
    const approved = await call(approve.POST, { method: "POST", params: { workspaceId: orgId, changeRequestId: proposed.json.changeRequest.id } });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect((await prisma.delivery.findFirstOrThrow({ where: { traceId } })).status).toBe("pending");
  });
});

describe("maskRequest", () => {
  it("masks credentials derived from the secrets wherever the request carries them, before cutting the body", () => {
    const basic = Buffer.from("pk-lf-public:sk-lf-secret-value-123").toString("base64");
    const shown = maskRequest(
      { method: "POST", url: `http://127.0.0.1/ingest?auth=${basic}`, headers: { authorization: `Basic ${basic}`, "x-note": "plain" }, body: `{"echo":"${basic}","key":"sk-lf-secret-value-123"}`, traceCount: 1 },
      ["sk-lf-secret-value-123"],
      20,
    );
    expect(JSON.stringify(shown)).not.toContain(basic);
    expect(JSON.stringify(shown)).not.toContain(basic.slice(0, 16));
    expect(shown.headers["x-note"]).toBe("plain");
    expect(shown).toMatchObject({ truncated: true, bodyBase64: null });
    expect(shown.body).toHaveLength(20);
  });

  it("gives a binary body only when no secret occurs in it", () => {
    const secret = "sk-lf-secret-value-123";
    const request = (body: Uint8Array) => ({ method: "POST" as const, url: "http://127.0.0.1/v1/traces", headers: {}, body, traceCount: 1 });
    expect(maskRequest(request(new Uint8Array([1, 2, 3])), [secret], 1000).bodyBase64).toBe("AQID");
    expect(maskRequest(request(Buffer.from(`\u0001${secret}\u0002`)), [secret], 1000).bodyBase64).toBeNull();
  });
});

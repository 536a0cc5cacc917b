// "Test connection" and "Send test trace" through their route handlers (issue 18.10): Test connection
// shapes its trace by the destination's privacy mode, as delivery does; Send test trace from a
// destination goes to that destination only, and a workspace-wide send names destinations.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as testTraceOfOne from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test-trace/route";
import * as testSaved from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as testUnsaved from "@/app/api/workspaces/[workspaceId]/destinations/test/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/test-trace/route";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { actAs } from "../support/session-mock";
import { call, createOrganization, createUser } from "../support/accounts";
import { startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

/** The prompt and the answer of the canned test traces (lib/traces/fixtures.ts): privacy mode keeps them from the platform. */
const PROMPT = "What's the weather in Paris?";
const ANSWER = "sunny in Paris";

let owner: Awaited<ReturnType<typeof createUser>>;
let orgId: string;
let otherOrgId: string;
let receiver: Receiver;

beforeAll(async () => {
  owner = await createUser("owner");
  orgId = (await createOrganization(owner, "Acme")).id;
  otherOrgId = (await createOrganization(owner, "Globex")).id;
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  actAs(owner);
  receiver.requests.length = 0;
  await prisma.destination.deleteMany({});
});

async function createWebhook(name: string, extra: Record<string, unknown> = {}, workspaceId = orgId): Promise<string> {
  const res = await call(list.POST, { method: "POST", params: { workspaceId }, body: { type: "webhook", name, config: { url: `${receiver.url}/${name}` }, ...extra } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination.id as string;
}

/** The one request the receiver got: the test trace as the platform saw it. */
function onlyRequestBody(): string {
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0].body;
}

describe("Test connection applies the destination's privacy mode", () => {
  it("sends a saved privacy-mode destination a redacted test trace, and a normal one the full trace", async () => {
    const hidden = await createWebhook("hidden", { privacyMode: true });
    const res = await call(testSaved.POST, { method: "POST", params: { workspaceId: orgId, destinationId: hidden } });
    expect(res.json.result.ok).toBe(true);
    const body = onlyRequestBody();
    expect(body).not.toContain(PROMPT);
    expect(body).not.toContain(ANSWER);
    expect(body).toContain("Tracecast connection test"); // the trace itself still went
    // Shown to the user as sent.
    expect(res.json.result.request.body).not.toContain(PROMPT);

    receiver.requests.length = 0;
    const open = await createWebhook("open");
    await call(testSaved.POST, { method: "POST", params: { workspaceId: orgId, destinationId: open } });
    expect(onlyRequestBody()).toContain(ANSWER);
  });

  it("tests unsaved settings in the form's privacy mode, else the saved destination's", async () => {
    const config = { url: `${receiver.url}/form` };
    await call(testUnsaved.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "webhook", config, privacyMode: true } });
    expect(onlyRequestBody()).not.toContain(PROMPT);

    receiver.requests.length = 0;
    const hidden = await createWebhook("hidden", { privacyMode: true });
    await call(testUnsaved.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "webhook", config, destinationId: hidden } });
    expect(onlyRequestBody()).not.toContain(PROMPT);

    receiver.requests.length = 0;
    await call(testUnsaved.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "webhook", config, destinationId: hidden, privacyMode: false } });
    expect(onlyRequestBody()).toContain(PROMPT);
  });

  it("refuses a privacy mode that is not a boolean", async () => {
    const res = await call(testUnsaved.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "webhook", config: { url: receiver.url }, privacyMode: "yes" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json.error)).toContain("privacyMode");
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("Send test trace", () => {
  it("from a destination goes to that destination only, named", async () => {
    const first = await createWebhook("first");
    const second = await createWebhook("second");
    const res = await call(testTraceOfOne.POST, { method: "POST", params: { workspaceId: orgId, destinationId: second } });
    expect(res.status).toBe(202);
    expect(res.json.deliveries).toEqual([expect.objectContaining({ destinationId: second, destinationName: "second", status: "pending" })]);
    expect(await prisma.delivery.count({ where: { traceId: res.json.traceId, destinationId: first } })).toBe(0);

    await drainDestination(first);
    await drainDestination(second);
    expect(receiver.requests.map((r) => r.url)).toEqual(["/second"]);
  });

  it("from a destination in privacy mode is delivered redacted", async () => {
    const hidden = await createWebhook("hidden", { privacyMode: true });
    await call(testTraceOfOne.POST, { method: "POST", params: { workspaceId: orgId, destinationId: hidden } });
    await drainDestination(hidden);
    expect(onlyRequestBody()).not.toContain(PROMPT);
  });

  it("workspace-wide goes to every destination that takes it and names each", async () => {
    const first = await createWebhook("first");
    const second = await createWebhook("second");
    const res = await call(testTrace.POST, { method: "POST", params: { workspaceId: orgId } });
    expect(res.status).toBe(202);
    const named = (res.json.deliveries as { destinationId: string; destinationName: string }[]).map((d) => [d.destinationId, d.destinationName]);
    expect(named.sort()).toEqual([[first, "first"], [second, "second"]].sort());
  });

  it("answers 404 for another workspace's destination and queues nothing", async () => {
    const foreign = await createWebhook("foreign", {}, otherOrgId);
    const traces = () => prisma.tracePayload.count({ where: { workspaceId: orgId } });
    const before = await traces();
    const res = await call(testTraceOfOne.POST, { method: "POST", params: { workspaceId: orgId, destinationId: foreign } });
    expect(res.status).toBe(404);
    expect(await prisma.delivery.count({ where: { destinationId: foreign } })).toBe(0);
    expect(await traces()).toBe(before);
  });
});

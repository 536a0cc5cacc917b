// The first-run guide's progress (issue 25.5) through its real route: each step is done exactly
// when what it stands for has happened in the workspace, through the real API-key, ingest,
// destination and drain paths to a real local receiver.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as apiKeys from "@/app/api/workspaces/[workspaceId]/api-keys/route";
import * as oneKey from "@/app/api/workspaces/[workspaceId]/api-keys/[apiKeyId]/route";
import * as firstRun from "@/app/api/workspaces/[workspaceId]/first-run/route";
import * as destinations from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/test-trace/route";
import { POST as ingest } from "@/app/api/v1/traces/route";
import { drainDestination } from "@/lib/delivery/drain";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  receiver.handle((_req, res) => res.end("ok"));
});
afterAll(() => receiver.close());

async function progress(workspaceId: string) {
  const res = await call(firstRun.GET, { params: { workspaceId } });
  expect(res.status).toBe(200);
  return res.json.progress;
}

async function sendTrace(key: string) {
  const res = await call(ingest, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: {
      model: "openai/gpt-4o-mini",
      request: { messages: [{ role: "user", content: "hi" }] },
      timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
    },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
}

describe("first-run progress", () => {
  it("checks off each step when it has happened, and only then", async () => {
    const owner = await createUser("first-run-owner");
    actAs(owner);
    const orgId = (await createOrganization(owner, "Newcomer")).id;
    expect(await progress(orgId)).toEqual({ apiKey: false, traceReceived: false, destination: false, traceDelivered: false });

    // A revoked key is no way to send.
    const revoked = await call(apiKeys.POST, { method: "POST", params: { workspaceId: orgId }, body: { name: "Old" } });
    await call(oneKey.DELETE, { method: "DELETE", params: { workspaceId: orgId, apiKeyId: revoked.json.apiKey.id } });
    expect((await progress(orgId)).apiKey).toBe(false);
    const key = (await call(apiKeys.POST, { method: "POST", params: { workspaceId: orgId }, body: { name: "App" } })).json.secret as string;
    expect(await progress(orgId)).toEqual({ apiKey: true, traceReceived: false, destination: false, traceDelivered: false });

    // A trace from the app, before any destination: received, nothing to deliver it to.
    await sendTrace(key);
    expect(await progress(orgId)).toEqual({ apiKey: true, traceReceived: true, destination: false, traceDelivered: false });

    const created = await call(destinations.POST, {
      method: "POST",
      params: { workspaceId: orgId },
      body: { type: "webhook", name: "Hook", config: { url: `${receiver.url}/hook` } },
    });
    const destinationId = created.json.destination.id as string;
    expect(await progress(orgId)).toMatchObject({ destination: true, traceDelivered: false });

    // A delivered test trace is not the app's trace: the last step waits for one.
    expect((await call(testTrace.POST, { method: "POST", params: { workspaceId: orgId } })).status).toBe(202);
    await drainDestination(destinationId);
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect((await progress(orgId)).traceDelivered).toBe(false);

    // Queued, not yet sent: still waiting. Sent: done.
    await sendTrace(key);
    expect((await progress(orgId)).traceDelivered).toBe(false);
    await drainDestination(destinationId);
    expect(await progress(orgId)).toEqual({ apiKey: true, traceReceived: true, destination: true, traceDelivered: true });

    // Another workspace's progress is its own; a member may read it, an outsider gets 404.
    const otherId = (await createOrganization(owner, "Other")).id;
    expect(await progress(otherId)).toEqual({ apiKey: false, traceReceived: false, destination: false, traceDelivered: false });
    const member = await createUser("first-run-member");
    await addMembership(orgId, member, "member");
    actAs(member);
    expect((await progress(orgId)).traceDelivered).toBe(true);
    const outsider = await createUser("first-run-outsider");
    actAs(outsider);
    expect((await call(firstRun.GET, { params: { workspaceId: orgId } })).status).toBe(404);
  });
});

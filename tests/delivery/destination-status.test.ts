// The destinations list's status column (issue 24.3) through the real list and health routes, a
// real drain and a real local receiver: what waits and retries per destination, the state the UI
// derives from it, and the last error that is shown only until a later delivery succeeds.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as health from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/health/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import { currentError, destinationStateKind, waitingSummary } from "@/components/observability/destination-state";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { actAs } from "../support/session-mock";
import { call, createOrganization, createUser } from "../support/accounts";
import { enqueue, makeDue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let orgId: string;
let otherOrgId: string;
let receiver: Receiver;
let failing = true;

beforeAll(async () => {
  owner = await createUser("owner");
  orgId = (await createOrganization(owner, "Acme")).id;
  otherOrgId = (await createOrganization(owner, "Globex")).id;
  receiver = await startReceiver();
  receiver.handle((_req, res) => {
    res.statusCode = failing ? 503 : 200;
    res.end(failing ? "upstream unavailable" : "ok");
  });
});
afterAll(() => receiver.close());
beforeEach(async () => {
  actAs(owner);
  failing = true;
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
});

async function createWebhook(workspaceId: string, name: string) {
  const res = await call(list.POST, {
    method: "POST",
    params: { workspaceId },
    body: { type: "webhook", name, config: { url: `${receiver.url}/hook` } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination.id as string;
}

async function listed(workspaceId = orgId) {
  const res = await call(list.GET, { params: { workspaceId } });
  expect(res.status).toBe(200);
  return res.json.destinations as { id: string; name: string; enabled: boolean; status: "active"; statusReason: null; health: { consecutiveFailures: number; failingSince: string | null; lastSuccessAt: string | null; lastFailureAt: string | null; lastError: string | null }; waiting: { waiting: number; capped: boolean; retrying: number; oldestQueuedAt: string | null } }[];
}

describe("destinations list status", () => {
  it("counts what waits and retries per destination, in the workspace only, and shows failing then active after recovery", async () => {
    const hook = await createWebhook(orgId, "Hook");
    const quiet = await createWebhook(orgId, "Quiet");
    const elsewhere = await createWebhook(otherOrgId, "Elsewhere");
    const queuedAt = new Date(Date.now() - 5 * 60_000);
    await enqueue(orgId, [hook], 3, { receivedAt: queuedAt });
    await enqueue(otherOrgId, [elsewhere], 2);

    // Freshly queued: waiting, not yet retrying; healthy.
    let [row, quietRow] = await listed();
    expect(row.waiting).toEqual({ waiting: 3, capped: false, retrying: 0, oldestQueuedAt: queuedAt.toISOString() });
    expect(quietRow.waiting).toEqual({ waiting: 0, capped: false, retrying: 0, oldestQueuedAt: null });
    expect(destinationStateKind(row, true)).toBe("active");
    expect(waitingSummary(row.waiting, new Date(queuedAt.getTime() + 5 * 60_000))).toBe("3 waiting, oldest 5 min");
    expect(waitingSummary(quietRow.waiting)).toBeNull();
    expect(waitingSummary({ waiting: 1_000, capped: true, retrying: 0, oldestQueuedAt: null })).toBe("1,000+ waiting");

    // The platform answers 503: the rows wait for another attempt and the destination is failing.
    await drainDestination(hook);
    [row] = await listed();
    expect(row.waiting).toMatchObject({ waiting: 3, retrying: 3 });
    expect(row.health.consecutiveFailures).toBeGreaterThan(0);
    expect(destinationStateKind(row, true)).toBe("failing");
    // Broadcast off outranks how sending goes (nothing is sent at all); the destination's own pause outranks Broadcast.
    expect(destinationStateKind(row, false)).toBe("broadcast_off");
    expect(destinationStateKind({ ...row, status: "paused" } as never, false)).toBe("paused");
    expect(destinationStateKind({ ...row, enabled: false }, false)).toBe("disabled");

    // Another workspace's backlog is its own.
    const [other] = await listed(otherOrgId);
    expect(other.waiting).toMatchObject({ waiting: 2, retrying: 0 });

    // The last error is shown with its time while it is current…
    let h = (await call(health.GET, { params: { workspaceId: orgId, destinationId: hook }, search: { window: "24h" } })).json.health;
    expect(h.lastError.message).toContain("503");
    expect(currentError(h.lastError, h.lastSuccessAt)).toEqual(h.lastError);

    // …and not after a later delivery succeeded; nothing waits any more and it is active again.
    failing = false;
    await makeDue(hook);
    await drainDestination(hook);
    [row] = await listed();
    expect(row.waiting).toEqual({ waiting: 0, capped: false, retrying: 0, oldestQueuedAt: null });
    expect(destinationStateKind(row, true)).toBe("active");
    h = (await call(health.GET, { params: { workspaceId: orgId, destinationId: hook }, search: { window: "24h" } })).json.health;
    expect(h.lastSuccessAt).not.toBeNull();
    expect(currentError(h.lastError, h.lastSuccessAt)).toBeNull();
  });

  it("a retried row waiting after a success is retrying, not failing", async () => {
    const hook = await createWebhook(orgId, "Hook");
    await enqueue(orgId, [hook], 1);
    await drainDestination(hook); // fails: attempts 1
    failing = false;
    await enqueue(orgId, [hook], 1);
    // Deliver only the new row: the failed one is still backing off.
    await prisma.delivery.updateMany({ where: { destinationId: hook, attempts: 1 }, data: { nextAttemptAt: new Date(Date.now() + 3_600_000) } });
    await prisma.destination.update({ where: { id: hook }, data: { circuitOpenUntil: null } });
    await drainDestination(hook);
    const [row] = await listed();
    expect(row.health.consecutiveFailures).toBe(0);
    expect(row.waiting).toMatchObject({ waiting: 1, retrying: 1 });
    expect(destinationStateKind(row, true)).toBe("retrying");
  });
});

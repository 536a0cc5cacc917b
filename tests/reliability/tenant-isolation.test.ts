// Tenant isolation of EVERY workspace route, discovered from the filesystem: an owner of workspace A
// calls each exported method (a) with workspace B's id and B's object ids, and (b) with A's own
// workspace id but B's object ids in every other [param] (and in body fields that name objects).
// Nothing may succeed and none of B's rows may change. A new route with a [param] this suite
// cannot fill, or a new method it has no body for, fails the suite instead of being skipped.
// And every read with A's own ids names none of B's objects (lists hold only the caller's workspace's).
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys";
import { createManagementKey } from "@/lib/api-keys/management";
import { findMembership } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { performChange } from "@/lib/governance/perform";
import { proposeChange } from "@/lib/governance/propose";
import { createUpstream } from "@/lib/capture-proxy/upstreams";
import { createInvite } from "@/lib/workspaces/invites";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { apiKeyContext, enqueue } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const ROUTES_ROOT = path.resolve("app/api/workspaces/[workspaceId]");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every [param] a workspace route may have, and which of a tenant's objects fills it. */
type ObjectIds = { destinationId: string; deliveryId: string; changeRequestId: string; upstreamId: string; apiKeyId: string; managementKeyId: string; membershipId: string; inviteId: string; notificationId: string };

/** Valid bodies per "METHOD route" (route relative to [workspaceId]), so (b) reaches the object lookup instead of stopping at validation. */
const BODIES: Record<string, (ids: ObjectIds) => unknown> = {
  "PUT broadcast": () => ({ enabled: false }),
  "POST api-keys": () => ({ name: "stolen" }),
  "POST management-keys": () => ({ name: "stolen" }),
  "POST invites": () => ({ role: "member" }),
  "POST members": () => ({ email: "nobody@example.com", role: "member" }),
  "PATCH members/[membershipId]": () => ({ role: "admin" }),
  "POST destinations": () => ({ type: "webhook", name: "intruder", config: { url: "http://127.0.0.1:9/x" } }),
  "PATCH destinations/[destinationId]": () => ({ name: "renamed by A" }),
  "POST destinations/[destinationId]/replay": () => ({ since: "2020-01-01T00:00:00Z", dryRun: false }),
  "POST destinations/[destinationId]/retry-failed": () => ({ dryRun: false }),
  "POST destinations/[destinationId]/deliveries/[deliveryId]/requeue": () => ({ dryRun: false }),
  // Test connection with unsaved values: the body names a stored destination whose secrets it would reuse.
  "POST destinations/routing-preview": () => ({ samplingRate: 0.5 }),
  "POST destinations/test": (ids) => ({ type: "clickhouse", config: { host: "http://127.0.0.1:9" }, destinationId: ids.destinationId }),
  "PATCH change-requests/[changeRequestId]": () => ({ comment: "hijacked" }),
  "POST change-requests/[changeRequestId]/reject": () => ({ reason: "not yours" }),
  "POST upstreams": () => ({ name: "intruder", baseUrl: "http://127.0.0.1:9/v1" }),
  "PATCH upstreams/[upstreamId]": () => ({ name: "renamed by A" }),
  "POST notifications/read": (ids) => ({ ids: [ids.notificationId] }),
  "PUT alerts": () => ({ backlogMinutes: 5 }),
  "POST destinations/setup-sql": () => ({ type: "clickhouse", config: { host: "http://127.0.0.1:9" } }),
};

type RouteModule = Partial<Record<(typeof METHODS)[number], Parameters<typeof call>[0]>>;
type DiscoveredRoute = { route: string; method: string; params: (keyof ObjectIds)[]; handler: Parameters<typeof call>[0] };

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(full) : e.name === "route.ts" ? [full] : [];
  });
}

type Tenant = { workspaceId: string; ids: ObjectIds };
let a: Tenant, b: Tenant;
let actorA: Awaited<ReturnType<typeof createUser>>;
let routes: DiscoveredRoute[];
const KNOWN_PARAMS: (keyof ObjectIds)[] = ["destinationId", "deliveryId", "changeRequestId", "upstreamId", "apiKeyId", "managementKeyId", "membershipId", "inviteId"];

async function tenant(label: string): Promise<{ owner: Awaited<ReturnType<typeof createUser>>; t: Tenant }> {
  const owner = await createUser(`${label}-owner`);
  const org = await createOrganization(owner, `Org ${label}`);
  const memberUser = await createUser(`${label}-member`);
  const member = await addMembership(org.id, memberUser, "member");
  const ctx = (await findMembership(owner, org.id))!;
  const { invite } = await createInvite(ctx, { role: "member" });
  const { apiKey } = await createApiKey(ctx, { name: `${label} key` });
  const { managementKey } = await createManagementKey(ctx, { name: `${label} automation` });
  // ClickHouse: a type with setup SQL, so every destination route has something to return for A's own id.
  const destination = (await performChange(ctx, { action: "destination.create", targetId: null, payload: { type: "clickhouse", name: `${label} clickhouse`, config: { host: "http://127.0.0.1:9", password: `pw-${label}` } } })).destination;
  const upstream = await createUpstream(ctx, { name: `${label} upstream`, baseUrl: "http://127.0.0.1:9/v1", apiKey: `sk-${label}-upstream` });
  const memberCtx = (await findMembership(memberUser, org.id))!;
  const changeRequest = await proposeChange(memberCtx, "destination.update", destination.id, { name: `${label} proposed` });
  await enqueue(org.id, [destination.id], 2);
  await prisma.delivery.updateMany({ where: { destinationId: destination.id }, data: { status: "failed" } });
  const delivery = await prisma.delivery.findFirstOrThrow({ where: { destinationId: destination.id } });
  await apiKeyContext(org.id, `${label} ingest key`);
  // The owner's own notification (the bell), so marking it read from A has something to change.
  const notification = await prisma.notification.create({ data: { userId: owner.id, workspaceId: org.id, kind: "changeRequest.approved", title: `${label} note`, changeRequestId: changeRequest.id } });
  return {
    owner,
    t: {
      workspaceId: org.id,
      ids: { destinationId: destination.id, deliveryId: delivery.id, changeRequestId: changeRequest.id, upstreamId: upstream.id, apiKeyId: apiKey.id, managementKeyId: managementKey.id, membershipId: member.id, inviteId: invite.id, notificationId: notification.id },
    },
  };
}

/** Everything a workspace route could read or change. */
async function snapshot(workspaceId: string) {
  const where = { workspaceId };
  const orderBy = { id: "asc" } as const;
  return {
    workspace: await prisma.workspace.findUnique({ where: { id: workspaceId } }),
    memberships: await prisma.membership.findMany({ where, orderBy }),
    invites: await prisma.invite.findMany({ where, orderBy }),
    apiKeys: await prisma.apiKey.findMany({ where, orderBy }),
    managementKeys: await prisma.managementKey.findMany({ where, orderBy }),
    destinations: await prisma.destination.findMany({ where, orderBy }),
    changeRequests: await prisma.changeRequest.findMany({ where, orderBy }),
    upstreams: await prisma.proxyUpstream.findMany({ where, orderBy }),
    deliveries: await prisma.delivery.findMany({ where, orderBy }),
    traces: await prisma.tracePayload.findMany({ where, orderBy, select: { id: true, receivedAt: true } }),
    audit: await prisma.auditEvent.findMany({ where, orderBy }),
    notifications: await prisma.notification.findMany({ where, orderBy }),
  };
}

beforeAll(async () => {
  const ta = await tenant("a");
  const tb = await tenant("b");
  [a, b, actorA] = [ta.t, tb.t, ta.owner];
  routes = [];
  for (const file of routeFiles(ROUTES_ROOT)) {
    const route = path.relative(ROUTES_ROOT, path.dirname(file)).split(path.sep).join("/");
    const params = [...route.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
    const unknown = params.filter((p) => !KNOWN_PARAMS.includes(p as keyof ObjectIds));
    if (unknown.length) throw new Error(`${file}: no fixture for route param(s) ${unknown.join(", ")}: add the object to tenant() and KNOWN_PARAMS`);
    const mod = (await import(file)) as RouteModule;
    for (const method of METHODS) {
      const handler = mod[method];
      if (!handler) continue;
      routes.push({ route, method, params: params as (keyof ObjectIds)[], handler });
    }
  }
});

/** Body-less POST actions (pause, resume, approve, withdraw, test, leave, test-trace) need no entry in BODIES. */
function handlerNeedsBody(route: string): boolean {
  return !/(pause|resume|approve|withdraw|test|leave|test-trace)$/.test(route) || route === "destinations/test";
}

function request(r: DiscoveredRoute, workspaceId: string, objects: ObjectIds) {
  actAs(actorA);
  const params: Record<string, string> = { workspaceId };
  for (const p of r.params) params[p] = objects[p];
  const body = BODIES[`${r.method} ${r.route}`]?.(objects);
  return call(r.handler, { method: r.method, params, body });
}

describe("tenant isolation of every workspace route (discovered from app/api/workspaces/[workspaceId])", () => {
  it("discovers the routes, and has a body for every method that takes one", () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const missing = routes
      .filter((r) => (r.method === "PUT" || r.method === "PATCH" || (r.method === "POST" && handlerNeedsBody(r.route))) && !(`${r.method} ${r.route}` in BODIES))
      .map((r) => `${r.method} ${r.route}`);
    expect(missing, "add a valid body to BODIES so the isolation check reaches the object lookup").toEqual([]);
  });

  it("(a) every method with workspace B's id and B's object ids: no success, B unchanged", async () => {
    const outcomes: string[] = [];
    for (const r of routes) {
      const before = await snapshot(b.workspaceId);
      const res = await request(r, b.workspaceId, b.ids);
      if (res.status !== 404) outcomes.push(`${r.method} ${r.route} → ${res.status}`);
      // Not even B's name in the refusal.
      if (JSON.stringify(res.json ?? "").includes("Org b")) outcomes.push(`${r.method} ${r.route} named workspace B`);
      expect(await snapshot(b.workspaceId), `${r.method} ${r.route} changed B`).toEqual(before);
    }
    expect(outcomes).toEqual([]);
  });

  it("(b) every method with A's workspace id but B's object ids: 404, B unchanged", async () => {
    const outcomes: string[] = [];
    const namesBObject = (r: DiscoveredRoute) => {
      const body = JSON.stringify(BODIES[`${r.method} ${r.route}`]?.(b.ids) ?? "");
      return Object.values(b.ids).some((id) => body.includes(id));
    };
    const substituting = routes.filter((r) => r.params.length > 0 || namesBObject(r));
    expect(substituting.length).toBeGreaterThanOrEqual(20);
    for (const r of substituting) {
      const before = await snapshot(b.workspaceId);
      const res = await request(r, a.workspaceId, b.ids);
      if (res.status !== 404) outcomes.push(`${r.method} ${r.route} → ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      expect(await snapshot(b.workspaceId), `${r.method} ${r.route} changed B`).toEqual(before);
    }
    expect(outcomes).toEqual([]);
  });

  it("every read with A's own ids names none of B's objects, and A's lists do hold A's", async () => {
    const reads = routes.filter((r) => r.method === "GET");
    const leaks: string[] = [];
    let text = "";
    for (const r of reads) {
      const body = JSON.stringify((await request(r, a.workspaceId, a.ids)).json ?? "");
      text += body;
      for (const id of [b.workspaceId, ...Object.values(b.ids)]) if (body.includes(id)) leaks.push(`${r.route} → ${id}`);
    }
    expect(leaks).toEqual([]);
    for (const id of [a.ids.apiKeyId, a.ids.destinationId, a.ids.membershipId, a.ids.inviteId]) expect(text).toContain(id);
  });

  it("the (b) requests with A's own object ids reach A's objects (the 404s are not vacuous)", async () => {
    const reads = routes.filter((r) => r.method === "GET" && r.params.length > 0);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    for (const r of reads) {
      const res = await request(r, a.workspaceId, a.ids);
      expect({ route: r.route, status: res.status }).toEqual({ route: r.route, status: 200 });
    }
  });
});

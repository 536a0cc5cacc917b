// Tenant isolation: an owner of workspace A gets 404 from every workspace route called with
// workspace B's id, or with B's object ids under A's own id, and nothing in either workspace changes.
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as apiKey from "@/app/api/workspaces/[workspaceId]/api-keys/[apiKeyId]/route";
import * as apiKeys from "@/app/api/workspaces/[workspaceId]/api-keys/route";
import * as audit from "@/app/api/workspaces/[workspaceId]/audit/route";
import * as invite from "@/app/api/workspaces/[workspaceId]/invites/[inviteId]/route";
import * as invites from "@/app/api/workspaces/[workspaceId]/invites/route";
import * as leave from "@/app/api/workspaces/[workspaceId]/leave/route";
import * as member from "@/app/api/workspaces/[workspaceId]/members/[membershipId]/route";
import * as members from "@/app/api/workspaces/[workspaceId]/members/route";
import { createApiKey } from "@/lib/api-keys";
import { findMembership } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { createInvite } from "@/lib/workspaces/invites";
import { actAs } from "./session-mock";
import { addMembership, call, createOrganization, createUser } from "./fixtures";

vi.mock("@/lib/auth/session", () => import("./session-mock"));

type Ids = { membershipId: string; inviteId: string; apiKeyId: string };
type Tenant = { workspaceId: string; ownerId: string; ids: Ids };
let a: Tenant, b: Tenant;
let actorA: Awaited<ReturnType<typeof createUser>>;
let outsiderEmail: string;

async function tenant(label: string) {
  const owner = await createUser(`${label}-owner`);
  const org = await createOrganization(owner, `Org ${label}`);
  const other = await addMembership(org.id, await createUser(`${label}-member`), "member");
  const ctx = (await findMembership(owner, org.id))!;
  const { invite } = await createInvite(ctx, { role: "member" });
  const { apiKey } = await createApiKey(ctx, { name: `${label} key` });
  return { owner, t: { workspaceId: org.id, ownerId: owner.id, ids: { membershipId: other.id, inviteId: invite.id, apiKeyId: apiKey.id } } };
}

beforeAll(async () => {
  const ta = await tenant("a");
  const tb = await tenant("b");
  [a, b, actorA] = [ta.t, tb.t, ta.owner];
  outsiderEmail = (await createUser("outsider")).email;
});

type RouteCase = {
  name: string;
  handler: Parameters<typeof call>[0];
  method: string;
  /** The route's object id param, if any. */
  objectParam?: keyof Ids;
  body?: unknown | (() => unknown);
};

const ROUTES: RouteCase[] = [
  { name: "GET members", handler: members.GET, method: "GET" },
  { name: "POST members", handler: members.POST, method: "POST", body: () => ({ email: outsiderEmail, role: "member" }) },
  { name: "PATCH member", handler: member.PATCH, method: "PATCH", objectParam: "membershipId", body: { role: "admin" } },
  { name: "DELETE member", handler: member.DELETE, method: "DELETE", objectParam: "membershipId" },
  { name: "POST leave", handler: leave.POST, method: "POST" },
  { name: "GET invites", handler: invites.GET, method: "GET" },
  { name: "POST invites", handler: invites.POST, method: "POST", body: { role: "admin" } },
  { name: "DELETE invite", handler: invite.DELETE, method: "DELETE", objectParam: "inviteId" },
  { name: "GET api-keys", handler: apiKeys.GET, method: "GET" },
  { name: "POST api-keys", handler: apiKeys.POST, method: "POST", body: { name: "stolen" } },
  { name: "DELETE api-key", handler: apiKey.DELETE, method: "DELETE", objectParam: "apiKeyId" },
  { name: "GET audit", handler: audit.GET, method: "GET" },
];

/** Everything a workspace route could read or change, for before/after comparison. */
async function snapshot(workspaceId: string) {
  const where = { workspaceId };
  const orderBy = { id: "asc" } as const;
  return {
    workspace: await prisma.workspace.findUnique({ where: { id: workspaceId } }),
    memberships: await prisma.membership.findMany({ where, orderBy }),
    invites: await prisma.invite.findMany({ where, orderBy }),
    apiKeys: await prisma.apiKey.findMany({ where, orderBy }),
    audit: await prisma.auditEvent.findMany({ where, orderBy }),
  };
}

function request(route: RouteCase, workspaceId: string, ids: Ids) {
  actAs(actorA);
  const params: Record<string, string> = { workspaceId };
  if (route.objectParam) params[route.objectParam] = ids[route.objectParam];
  const body = typeof route.body === "function" ? route.body() : route.body;
  return call(route.handler, { method: route.method, params, body });
}

describe("tenant isolation of workspace routes", () => {
  it.each(ROUTES)("$name with workspace B's id answers 404 and changes nothing", async (route) => {
    const before = [await snapshot(a.workspaceId), await snapshot(b.workspaceId)];
    const res = await request(route, b.workspaceId, b.ids);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.json)).not.toContain("Org b");
    expect([await snapshot(a.workspaceId), await snapshot(b.workspaceId)]).toEqual(before);
  });

  it.each(ROUTES.filter((r) => r.objectParam))("$name with B's object id under A's workspace answers 404 and changes nothing", async (route) => {
    const before = [await snapshot(a.workspaceId), await snapshot(b.workspaceId)];
    const res = await request(route, a.workspaceId, b.ids);
    expect(res.status).toBe(404);
    expect([await snapshot(a.workspaceId), await snapshot(b.workspaceId)]).toEqual(before);
  });

  it("lists only the caller's workspace's objects", async () => {
    const lists = await Promise.all(ROUTES.filter((r) => r.method === "GET").map((r) => request(r, a.workspaceId, a.ids)));
    const text = JSON.stringify(lists.map((l) => l.json));
    for (const id of [b.workspaceId, ...Object.values(b.ids), b.ownerId]) expect(text).not.toContain(id);
    expect(text).toContain(a.ids.apiKeyId);
  });

  it("the same object requests under A's own ids do reach A's objects (the 404s above are not vacuous)", async () => {
    for (const route of ROUTES.filter((r) => r.objectParam)) {
      const res = await request(route, a.workspaceId, a.ids);
      expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status: 200 });
    }
  });
});

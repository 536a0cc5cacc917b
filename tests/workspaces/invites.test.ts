// Invite links: only the token's hash is stored; single use, 7-day expiry, revocable.
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as accept from "@/app/api/invites/accept/route";
import * as invite from "@/app/api/workspaces/[workspaceId]/invites/[inviteId]/route";
import * as invites from "@/app/api/workspaces/[workspaceId]/invites/route";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Workspace } from "@/lib/generated/prisma/client";
import { sha256Hex } from "@/lib/hash";
import { INVITE_TTL_MS, previewInvite } from "@/lib/workspaces/invites";
import { actAs, runAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let owner: SessionUser, admin: SessionUser, joiner: SessionUser, latecomer: SessionUser;
let org: Workspace;

beforeEach(async () => {
  [owner, admin, joiner, latecomer] = await Promise.all(["owner", "admin", "joiner", "latecomer"].map(createUser));
  org = await createOrganization(owner, "Acme");
  await addMembership(org.id, admin, "admin");
});

async function createInvite(as: SessionUser, role: string) {
  actAs(as);
  return call(invites.POST, { method: "POST", params: { workspaceId: org.id }, body: { role } });
}

async function acceptAs(user: SessionUser, token: string) {
  actAs(user);
  return call(accept.POST, { method: "POST", body: { token } });
}

const membershipOf = (user: SessionUser) =>
  prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId: org.id, userId: user.id } } });

describe("creating invites", () => {
  it("returns the token and link once and stores only the token's sha256, expiring in 7 days", async () => {
    const before = Date.now();
    const res = await createInvite(admin, "admin");
    expect(res.status).toBe(201);
    const { token, url, invite: summary } = res.json;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new URL(url).pathname).toBe(`/invite/${token}`);
    expect(summary).toMatchObject({ role: "admin", status: "pending", createdBy: { id: admin.id } });

    const row = await prisma.invite.findUniqueOrThrow({ where: { id: summary.id } });
    expect(row.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expiresAt.getTime() - before).toBeGreaterThanOrEqual(INVITE_TTL_MS - 1000);
    expect(row.expiresAt.getTime() - before).toBeLessThanOrEqual(INVITE_TTL_MS + 60_000);

    actAs(owner);
    const listed = await call(invites.GET, { params: { workspaceId: org.id } });
    expect(listed.json.invites).toHaveLength(1);
    expect(JSON.stringify(listed.json)).not.toContain(token);
    expect(JSON.stringify(listed.json)).not.toContain(row.tokenHash);
  });

  it("lets only owners invite owners, and refuses invites to personal workspaces", async () => {
    expect((await createInvite(admin, "owner")).status).toBe(403);
    expect((await createInvite(owner, "owner")).status).toBe(201);
    actAs(owner);
    const personal = await prisma.membership.findFirstOrThrow({ where: { userId: owner.id, workspace: { kind: "personal" } } });
    const res = await call(invites.POST, { method: "POST", params: { workspaceId: personal.workspaceId }, body: { role: "member" } });
    expect(res.json.error.code).toBe("personal_workspace");
    expect(await prisma.invite.count({ where: { workspaceId: personal.workspaceId } })).toBe(0);
  });
});

describe("accepting invites", () => {
  it("admits exactly one person, with the invite's role", async () => {
    const { token } = (await createInvite(admin, "admin")).json;
    expect(await previewInvite(token)).toMatchObject({ workspaceName: "Acme", role: "admin", status: "pending" });

    const first = await acceptAs(joiner, token);
    expect(first).toMatchObject({ status: 200, json: { workspaceId: org.id, alreadyMember: false } });
    expect(await membershipOf(joiner)).toMatchObject({ role: "admin" });

    const second = await acceptAs(latecomer, token);
    expect(second).toMatchObject({ status: 410, json: { error: { code: "invite_accepted", fields: [{ path: "token" }] } } });
    expect(await membershipOf(latecomer)).toBeNull();
    expect(await previewInvite(token)).toMatchObject({ status: "accepted" });
    expect(await prisma.auditEvent.findFirst({ where: { workspaceId: org.id, action: "invite.accept" } })).toMatchObject({
      actorId: joiner.id,
      after: { email: joiner.email, role: "admin" },
    });
  });

  it("admits one of two people racing for the same link", async () => {
    const { token } = (await createInvite(owner, "member")).json;
    const acceptRace = (user: SessionUser) => runAs(user, () => call(accept.POST, { method: "POST", body: { token } }));
    const results = await Promise.all([acceptRace(joiner), acceptRace(latecomer)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    const joined = await prisma.membership.count({ where: { workspaceId: org.id, userId: { in: [joiner.id, latecomer.id] } } });
    expect(joined).toBe(1);
  });

  it("refuses expired and revoked links, and unknown tokens", async () => {
    const expired = (await createInvite(owner, "member")).json;
    await prisma.invite.update({ where: { id: expired.invite.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await acceptAs(joiner, expired.token)).toMatchObject({ status: 410, json: { error: { code: "invite_expired" } } });

    const revoked = (await createInvite(owner, "member")).json;
    actAs(admin);
    const del = await call(invite.DELETE, { method: "DELETE", params: { workspaceId: org.id, inviteId: revoked.invite.id } });
    expect(del.json.invite.status).toBe("revoked");
    expect(await acceptAs(joiner, revoked.token)).toMatchObject({ status: 410, json: { error: { code: "invite_revoked" } } });

    expect(await acceptAs(joiner, "not-a-real-token")).toMatchObject({ status: 404, json: { error: { fields: [{ path: "token" }] } } });
    expect(await acceptAs(joiner, "")).toMatchObject({ status: 400, json: { error: { fields: [{ path: "token" }] } } });
    expect(await membershipOf(joiner)).toBeNull();
  });

  it("leaves the invite unused when an existing member opens it", async () => {
    const { token } = (await createInvite(owner, "owner")).json;
    expect(await acceptAs(admin, token)).toMatchObject({ status: 200, json: { alreadyMember: true } });
    expect(await membershipOf(admin)).toMatchObject({ role: "admin" });
    expect(await previewInvite(token)).toMatchObject({ status: "pending" });
  });

  it("cannot revoke an accepted invite", async () => {
    const created = (await createInvite(owner, "member")).json;
    await acceptAs(joiner, created.token);
    actAs(owner);
    const res = await call(invite.DELETE, { method: "DELETE", params: { workspaceId: org.id, inviteId: created.invite.id } });
    expect(res).toMatchObject({ status: 409, json: { error: { code: "invite_accepted" } } });
  });

  it("requires a session", async () => {
    const { token } = (await createInvite(owner, "member")).json;
    actAs(null);
    expect((await call(accept.POST, { method: "POST", body: { token } })).status).toBe(401);
  });
});

// Membership rules, driven through the member routes: who may add, promote, demote and remove whom.
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as leave from "@/app/api/workspaces/[workspaceId]/leave/route";
import * as member from "@/app/api/workspaces/[workspaceId]/members/[membershipId]/route";
import * as members from "@/app/api/workspaces/[workspaceId]/members/route";
import * as workspaces from "@/app/api/workspaces/route";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Workspace } from "@/lib/generated/prisma/client";
import { actAs, runAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User, admin: User, plain: User, outsider: User;
let org: Workspace;
let ids: { owner: string; admin: string; plain: string };

beforeEach(async () => {
  [owner, admin, plain, outsider] = await Promise.all(["owner", "admin", "member", "outsider"].map(createUser));
  org = await createOrganization(owner, "Acme");
  ids = {
    owner: (await prisma.membership.findFirstOrThrow({ where: { workspaceId: org.id, userId: owner.id } })).id,
    admin: (await addMembership(org.id, admin, "admin")).id,
    plain: (await addMembership(org.id, plain, "member")).id,
  };
});

const setRole = (as: SessionUser, membershipId: string, role: string) => {
  actAs(as);
  return call(member.PATCH, { method: "PATCH", params: { workspaceId: org.id, membershipId }, body: { role } });
};
const remove = (as: SessionUser, membershipId: string) => {
  actAs(as);
  return call(member.DELETE, { method: "DELETE", params: { workspaceId: org.id, membershipId } });
};
const roleOf = async (membershipId: string) => (await prisma.membership.findUnique({ where: { id: membershipId } }))?.role ?? null;

describe("organizations", () => {
  it("POST /api/workspaces makes the creator its owner and lists it with role and kind", async () => {
    actAs(outsider);
    const created = await call(workspaces.POST, { method: "POST", body: { name: "  New Org " } });
    expect(created.status).toBe(201);
    expect(created.json.workspace).toMatchObject({ name: "New Org", kind: "organization", role: "owner" });
    const listed = await call(workspaces.GET);
    expect(listed.json.workspaces.map((w: { kind: string; role: string }) => [w.kind, w.role])).toEqual([
      ["personal", "owner"],
      ["organization", "owner"],
    ]);
    expect((await call(workspaces.POST, { method: "POST", body: { name: "" } })).json.error.fields[0].path).toBe("name");
  });

  it("requires a session", async () => {
    actAs(null);
    expect((await call(workspaces.GET)).status).toBe(401);
  });
});

describe("adding members", () => {
  it("adds an existing user by email, case-insensitively, and audits it", async () => {
    actAs(admin);
    const res = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: outsider.email.toUpperCase(), role: "member" } });
    expect(res.status).toBe(201);
    expect(res.json.member).toMatchObject({ userId: outsider.id, email: outsider.email, role: "member" });
    expect(await prisma.auditEvent.findFirst({ where: { workspaceId: org.id, action: "member.add" } })).toMatchObject({
      actorId: admin.id,
      targetId: res.json.member.id,
      after: { email: outsider.email, role: "member" },
    });
  });

  it("names the email field for an unknown user (404) and for an existing member (409)", async () => {
    actAs(owner);
    const unknown = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: "ghost@example.com", role: "member" } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.fields).toEqual([{ path: "email", message: expect.any(String) }]);
    const again = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: plain.email, role: "admin" } });
    expect(again.status).toBe(409);
    expect(again.json.error.fields[0].path).toBe("email");
    expect(await roleOf(ids.plain)).toBe("member");
  });

  it("lets only owners add owners, and members add nobody", async () => {
    actAs(admin);
    const byAdmin = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: outsider.email, role: "owner" } });
    expect(byAdmin.status).toBe(403);
    actAs(plain);
    const byMember = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: outsider.email, role: "member" } });
    expect(byMember.status).toBe(403);
    expect(await prisma.membership.count({ where: { workspaceId: org.id, userId: outsider.id } })).toBe(0);
    actAs(owner);
    const byOwner = await call(members.POST, { method: "POST", params: { workspaceId: org.id }, body: { email: outsider.email, role: "owner" } });
    expect(byOwner.json.member.role).toBe("owner");
  });

  it("refuses members in a personal workspace", async () => {
    actAs(owner);
    const res = await call(members.POST, { method: "POST", params: { workspaceId: owner.personalWorkspaceId }, body: { email: plain.email, role: "member" } });
    expect(res).toMatchObject({ status: 409, json: { error: { code: "personal_workspace" } } });
    expect(await prisma.membership.count({ where: { workspaceId: owner.personalWorkspaceId } })).toBe(1);
  });

  it("lists members to any member, owners first", async () => {
    actAs(plain);
    const res = await call(members.GET, { params: { workspaceId: org.id } });
    expect(res.json.members.map((m: { role: string }) => m.role)).toEqual(["owner", "admin", "member"]);
  });
});

describe("changing roles", () => {
  it("never demotes the last owner, not even by themselves", async () => {
    const res = await setRole(owner, ids.owner, "admin");
    expect(res).toMatchObject({ status: 409, json: { error: { code: "last_owner" } } });
    expect(await roleOf(ids.owner)).toBe("owner");
  });

  it("lets an owner demote themselves once another owner exists", async () => {
    expect((await setRole(owner, ids.admin, "owner")).json.member.role).toBe("owner");
    expect((await setRole(owner, ids.owner, "member")).status).toBe(200);
    expect(await roleOf(ids.owner)).toBe("member");
    expect(await prisma.auditEvent.findFirst({ where: { workspaceId: org.id, action: "member.role_change", targetId: ids.owner } })).toMatchObject({
      before: { role: "owner" },
      after: { role: "member" },
    });
  });

  it("does not let admins grant the owner role or change an owner", async () => {
    expect((await setRole(admin, ids.plain, "owner")).status).toBe(403);
    expect((await setRole(admin, ids.admin, "owner")).status).toBe(403);
    await setRole(owner, ids.plain, "owner"); // a second owner, so only the admin rule can refuse
    expect((await setRole(admin, ids.plain, "member")).status).toBe(403);
    expect(await roleOf(ids.plain)).toBe("owner");
    expect(await roleOf(ids.admin)).toBe("admin");
  });

  it("lets admins promote and demote between member and admin", async () => {
    expect((await setRole(admin, ids.plain, "admin")).json.member.role).toBe("admin");
    expect((await setRole(admin, ids.plain, "member")).json.member.role).toBe("member");
  });

  it("does not let members change roles", async () => {
    expect((await setRole(plain, ids.plain, "admin")).status).toBe(403);
    expect(await roleOf(ids.plain)).toBe("member");
  });

  it("names the role field when it is not a role", async () => {
    const res = await setRole(owner, ids.plain, "superuser");
    expect(res.status).toBe(400);
    expect(res.json.error.fields[0].path).toBe("role");
  });
});

describe("removing and leaving", () => {
  it("never removes the last owner", async () => {
    expect((await remove(owner, ids.owner)).json.error.code).toBe("last_owner");
    expect(await roleOf(ids.owner)).toBe("owner");
  });

  it("does not let admins remove owners, but lets them remove members", async () => {
    await setRole(owner, ids.plain, "owner");
    expect((await remove(admin, ids.plain)).status).toBe(403);
    expect(await roleOf(ids.plain)).toBe("owner");
    await setRole(owner, ids.plain, "member");
    const res = await remove(admin, ids.plain);
    expect(res.status).toBe(200);
    expect(res.json.member.userId).toBe(plain.id);
    expect(await roleOf(ids.plain)).toBeNull();
    expect(await prisma.auditEvent.count({ where: { workspaceId: org.id, action: "member.remove", targetId: ids.plain } })).toBe(1);
  });

  it("lets a member leave, but not the last owner, and nobody their personal workspace", async () => {
    actAs(plain);
    expect((await call(leave.POST, { method: "POST", params: { workspaceId: org.id } })).status).toBe(200);
    expect(await roleOf(ids.plain)).toBeNull();
    actAs(owner);
    expect((await call(leave.POST, { method: "POST", params: { workspaceId: org.id } })).json.error.code).toBe("last_owner");
    expect((await call(leave.POST, { method: "POST", params: { workspaceId: owner.personalWorkspaceId } })).json.error.code).toBe("personal_workspace");
  });

  it("keeps one owner when two owners demote each other at the same time", async () => {
    await setRole(owner, ids.admin, "owner");
    const demote = (as: SessionUser, membershipId: string) =>
      runAs(as, () => call(member.PATCH, { method: "PATCH", params: { workspaceId: org.id, membershipId }, body: { role: "member" } }));
    const results = await Promise.all([demote(owner, ids.admin), demote(admin, ids.owner)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await prisma.membership.count({ where: { workspaceId: org.id, role: "owner" } })).toBe(1);
  });
});

// A member's change request, decided by an admin, notifies the member in the app (the bell):
// through the real routes and database. Each user reads and marks only their own notifications;
// the proposer's comment is stored as plain text, bounded, and shown to the admin deciding.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as broadcast from "@/app/api/workspaces/[workspaceId]/broadcast/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as pause from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/pause/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as oneRequest from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as reject from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/reject/route";
import * as withdraw from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/withdraw/route";
import * as notifications from "@/app/api/workspaces/[workspaceId]/notifications/route";
import * as markRead from "@/app/api/workspaces/[workspaceId]/notifications/read/route";
import { prisma } from "@/lib/db";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let member2: User;
let orgId: string;
let otherOrgId: string;

beforeAll(async () => {
  owner = await createUser("owner");
  member = await createUser("member");
  member2 = await createUser("member2");
  orgId = (await createOrganization(owner, "Acme")).id;
  otherOrgId = (await createOrganization(owner, "Other")).id;
  await addMembership(orgId, member, "member");
  await addMembership(orgId, member2, "member");
  await addMembership(otherOrgId, member, "member");
});

beforeEach(async () => {
  await prisma.notification.deleteMany({});
  await prisma.changeRequest.deleteMany({});
  await prisma.destination.deleteMany({});
  await prisma.workspace.updateMany({ data: { broadcastEnabled: true } });
});

const ws = (workspaceId = orgId) => ({ workspaceId });
const cr = (changeRequestId: string, workspaceId = orgId) => ({ workspaceId, changeRequestId });

async function createWebhook(name = "Prod hook") {
  actAs(owner);
  const res = await call(list.POST, { method: "POST", params: ws(), body: { type: "webhook", name, config: { url: "http://127.0.0.1:9/hook" } } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination as { id: string };
}

/** The member proposes a pause; returns the request id. */
async function proposePause(destinationId: string, as = member): Promise<string> {
  actAs(as);
  const res = await call(pause.POST, { method: "POST", params: { workspaceId: orgId, destinationId } });
  expect(res.status).toBe(202);
  return res.json.changeRequest.id as string;
}

async function bell(as: User, workspaceId = orgId, search?: Record<string, string>) {
  actAs(as);
  const res = await call(notifications.GET, { params: ws(workspaceId), search });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { notifications: { id: string; kind: string; title: string; body: string; changeRequestId: string; readAt: string | null }[]; unread: number; nextCursor: string | null };
}

describe("the proposer is notified in the app when a request is decided", () => {
  it("approved: one unread notification naming the request and the decider, linked to the request", async () => {
    const { id } = await createWebhook();
    const requestId = await proposePause(id);
    expect((await bell(member)).unread).toBe(0);
    actAs(owner);
    expect((await call(approve.POST, { method: "POST", params: cr(requestId) })).status).toBe(200);
    const mine = await bell(member);
    expect(mine.unread).toBe(1);
    expect(mine.notifications).toMatchObject([
      { kind: "changeRequest.approved", title: "Approved: Pause “Prod hook”", body: `Approved by ${owner.email} and applied.`, changeRequestId: requestId, readAt: null },
    ]);
    // Nobody else is told: not the decider, not another member.
    expect((await bell(owner)).notifications).toEqual([]);
    expect((await bell(member2)).notifications).toEqual([]);
  });

  it("rejected: the notification carries the reason", async () => {
    const { id } = await createWebhook();
    const requestId = await proposePause(id);
    actAs(owner);
    expect((await call(reject.POST, { method: "POST", params: cr(requestId), body: { reason: "Not during the launch" } })).status).toBe(200);
    expect((await bell(member)).notifications).toMatchObject([
      { kind: "changeRequest.rejected", title: "Rejected: Pause “Prod hook”", body: `Rejected by ${owner.email}: Not during the launch` },
    ]);
  });

  it("conflict: the approval found the target changed; the member is told it was not applied and why", async () => {
    await createWebhook();
    actAs(member);
    const proposed = await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } });
    expect(proposed.status).toBe(202);
    await prisma.workspace.update({ where: { id: orgId }, data: { broadcastEnabled: false } });
    actAs(owner);
    expect((await call(approve.POST, { method: "POST", params: cr(proposed.json.changeRequest.id) })).status).toBe(409);
    const [note] = (await bell(member)).notifications;
    expect(note).toMatchObject({ kind: "changeRequest.conflict", title: "Not applied: Turn broadcast off" });
    expect(note.body).toContain("The broadcast switch was changed after this request was made.");
  });

  it("a withdrawal notifies nobody", async () => {
    const { id } = await createWebhook();
    const requestId = await proposePause(id);
    actAs(member);
    expect((await call(withdraw.POST, { method: "POST", params: cr(requestId) })).status).toBe(200);
    expect(await prisma.notification.count()).toBe(0);
  });
});

describe("each user reads and marks only their own notifications", () => {
  async function decidedFor(as: User) {
    const { id } = await createWebhook(`hook of ${as.email}`);
    const requestId = await proposePause(id, as);
    actAs(owner);
    expect((await call(approve.POST, { method: "POST", params: cr(requestId) })).status).toBe(200);
    return (await prisma.notification.findFirstOrThrow({ where: { userId: as.id } })).id;
  }

  it("marking another member's notification read is a 404 that marks nothing; the owner's list does not show them either", async () => {
    const memberNote = await decidedFor(member);
    const member2Note = await decidedFor(member2);
    actAs(member2);
    const refused = await call(markRead.POST, { method: "POST", params: ws(), body: { ids: [memberNote, member2Note] } });
    expect(refused.status).toBe(404);
    expect(await prisma.notification.count({ where: { readAt: { not: null } } })).toBe(0);
    const res = await call(markRead.POST, { method: "POST", params: ws(), body: { ids: [member2Note] } });
    expect(res.json).toEqual({ unread: 0 });
    expect((await prisma.notification.findUniqueOrThrow({ where: { id: memberNote } })).readAt).toBeNull();
    expect((await prisma.notification.findUniqueOrThrow({ where: { id: member2Note } })).readAt).not.toBeNull();
    expect((await bell(member2)).notifications.map((n) => n.id)).toEqual([member2Note]);
    expect((await bell(owner)).notifications).toEqual([]);
  });

  it("notifications are per workspace: the member's list in another organization is empty", async () => {
    await decidedFor(member);
    expect((await bell(member, otherOrgId)).notifications).toEqual([]);
    actAs(member);
    expect((await call(markRead.POST, { method: "POST", params: ws(otherOrgId), body: { all: true } })).json).toEqual({ unread: 0 });
    expect((await bell(member)).unread).toBe(1);
  });

  it("all: true marks every own unread one; paging by cursor; bad bodies are 400s naming the problem", async () => {
    await decidedFor(member);
    await decidedFor(member);
    const firstPage = await bell(member, orgId, { limit: "1" });
    expect(firstPage.notifications).toHaveLength(1);
    expect(firstPage.unread).toBe(2);
    const secondPage = await bell(member, orgId, { limit: "1", cursor: firstPage.nextCursor! });
    expect(secondPage.notifications).toHaveLength(1);
    expect(secondPage.notifications[0].id).not.toBe(firstPage.notifications[0].id);
    actAs(member);
    expect((await call(markRead.POST, { method: "POST", params: ws(), body: { all: true } })).json).toEqual({ unread: 0 });
    for (const body of [{}, { ids: [] }, { all: false }, { ids: Array.from({ length: 51 }, (_, i) => `n${i}`) }]) {
      const res = await call(markRead.POST, { method: "POST", params: ws(), body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await call(notifications.GET, { params: ws(), search: { limit: "500" } })).status).toBe(400);
  });

  it("someone who is not a member of the workspace gets 404, not its notifications", async () => {
    const outsider = await createUser("outsider");
    await decidedFor(member);
    actAs(outsider);
    expect((await call(notifications.GET, { params: ws() })).status).toBe(404);
    expect((await call(markRead.POST, { method: "POST", params: ws(), body: { all: true } })).status).toBe(404);
  });
});

describe("the proposer's comment", () => {
  it("is stored as plain text (markup kept as typed, never interpreted) and shown with the request the admin decides", async () => {
    const { id } = await createWebhook();
    actAs(member);
    const proposed = await call(one.PATCH, { method: "PATCH", params: { workspaceId: orgId, destinationId: id }, body: { name: "Renamed" } });
    expect(proposed.status).toBe(202);
    const requestId = proposed.json.changeRequest.id as string;
    const comment = "  Needed for the <b>audit</b> team <script>alert(1)</script>  ";
    const saved = await call(oneRequest.PATCH, { method: "PATCH", params: cr(requestId), body: { comment } });
    expect(saved.status).toBe(200);
    actAs(owner);
    const seen = await call(oneRequest.GET, { params: cr(requestId) });
    expect(seen.json.changeRequest.comment).toBe(comment.trim());
  });

  it("is bounded (1000 characters) and only the proposer may write it", async () => {
    const { id } = await createWebhook();
    const requestId = await proposePause(id);
    actAs(member);
    const tooLong = await call(oneRequest.PATCH, { method: "PATCH", params: cr(requestId), body: { comment: "x".repeat(1001) } });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.json)).toContain("At most 1000 characters");
    actAs(member2);
    expect((await call(oneRequest.PATCH, { method: "PATCH", params: cr(requestId), body: { comment: "mine now" } })).status).toBe(403);
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: requestId } })).comment).toBeNull();
  });
});

describe("a request links to its destination", () => {
  it("targetExists: true while the destination exists, false once deleted; true for the broadcast switch", async () => {
    const { id } = await createWebhook();
    actAs(member);
    const proposed = await call(one.DELETE, { method: "DELETE", params: { workspaceId: orgId, destinationId: id } });
    expect(proposed.json.changeRequest).toMatchObject({ targetId: id, targetName: "Prod hook", targetExists: true });
    actAs(owner);
    expect((await call(approve.POST, { method: "POST", params: cr(proposed.json.changeRequest.id) })).status).toBe(200);
    expect((await call(oneRequest.GET, { params: cr(proposed.json.changeRequest.id) })).json.changeRequest.targetExists).toBe(false);
    actAs(member);
    const flip = await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } });
    expect(flip.json.changeRequest).toMatchObject({ targetId: orgId, targetExists: true });
  });
});

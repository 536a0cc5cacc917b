// The audit log API: filters, cursor pagination and the JSON download.
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as audit from "@/app/api/workspaces/[workspaceId]/audit/route";
import { recordAudit } from "@/lib/audit";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Workspace } from "@/lib/generated/prisma/client";
import { actAs } from "./support/session-mock";
import { addMembership, call, createOrganization, createUser } from "./support/accounts";

vi.mock("@/lib/auth/session", () => import("./support/session-mock"));

let owner: SessionUser, plain: SessionUser;
let org: Workspace;
const EVENTS = 7;

beforeAll(async () => {
  owner = await createUser("owner");
  plain = await createUser("member");
  org = await createOrganization(owner, "Acme"); // records workspace.create
  await addMembership(org.id, plain, "member");
  for (let i = 0; i < EVENTS; i++)
    await recordAudit(prisma, {
      workspaceId: org.id,
      actor: i % 2 ? owner : null,
      action: i % 2 ? "destination.update" : "destination.auto_pause",
      targetType: "destination",
      targetId: `dest-${i % 3}`,
      before: { enabled: true },
      after: { enabled: false, n: i },
    });
});

const list = (search: Record<string, string> = {}) => {
  actAs(plain);
  return call(audit.GET, { params: { workspaceId: org.id }, search });
};

describe("GET /api/workspaces/:id/audit", () => {
  it("pages through every event newest first without gaps or repeats", async () => {
    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ limit: "3", ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.json.events.length).toBeLessThanOrEqual(3);
      seen.push(...res.json.events);
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(EVENTS + 1);
    expect(new Set(seen.map((e) => e.id)).size).toBe(EVENTS + 1);
    const times = seen.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("filters by action and target, and labels the system actor", async () => {
    const system = await list({ action: "destination.auto_pause" });
    expect(system.json.events).toHaveLength(4);
    expect(system.json.events.every((e: { actorLabel: string; actorId: string | null }) => e.actorLabel === "system" && e.actorId === null)).toBe(true);

    const byUser = await list({ action: "destination.update", targetId: "dest-1" });
    expect(byUser.json.events.map((e: { after: { n: number } }) => e.after.n).sort()).toEqual([1]);
    expect(byUser.json.events[0]).toMatchObject({ actorId: owner.id, actorLabel: owner.email, before: { enabled: true } });

    expect((await list({ targetType: "workspace" })).json.events).toMatchObject([{ action: "workspace.create", targetId: org.id }]);
  });

  it("names the bad query field", async () => {
    expect((await list({ limit: "0" })).json.error.fields[0].path).toBe("limit");
    expect((await list({ cursor: "garbage" })).json.error.fields[0].path).toBe("cursor");
    expect((await list({ format: "xlsx" })).json.error.fields[0].path).toBe("format");
  });

  it("downloads the whole filtered log as a JSON file with format=json", async () => {
    const res = await list({ format: "json", targetType: "destination" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="tracecast-audit-.+\.json"$/);
    expect(res.json).toHaveLength(EVENTS);
    expect(res.json[0]).not.toHaveProperty("workspaceId");
    const empty = await list({ format: "json", action: "nothing.matches" });
    expect(empty.json).toEqual([]);
  });

  it("is hidden from non-members", async () => {
    actAs(await createUser("stranger"));
    expect((await call(audit.GET, { params: { workspaceId: org.id } })).status).toBe(404);
  });
});

// Organization governance through the real route handlers and database: the role × action matrix
// (members get 202 + a pending request and nothing changes), proposal validation and secret
// encryption, approve (atomic, audited), conflict, re-validation, reject, withdraw; and that an
// admin's own change and an approved request run the same declared entry of ACTIONS.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as broadcast from "@/app/api/workspaces/[workspaceId]/broadcast/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as pause from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/pause/route";
import * as replay from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/replay/route";
import * as resume from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/resume/route";
import * as retryFailed from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/retry-failed/route";
import * as requeueDelivery from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/[deliveryId]/requeue/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as requests from "@/app/api/workspaces/[workspaceId]/change-requests/route";
import * as count from "@/app/api/workspaces/[workspaceId]/change-requests/count/route";
import * as oneRequest from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as reject from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/reject/route";
import * as withdraw from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/withdraw/route";
import * as audit from "@/app/api/workspaces/[workspaceId]/audit/route";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import { decryptJson } from "@/lib/crypto/keyring";
import { prisma } from "@/lib/db";
import { MAX_DESTINATIONS_PER_TYPE } from "@/lib/broadcast/schemas";
import { ACTIONS } from "@/lib/governance/actions";
import { GOVERNED_ACTIONS } from "@/lib/governance/vocabulary";
import { openSecrets } from "@/lib/broadcast/stored-config";
import type { Role } from "@/lib/generated/prisma/enums";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { enqueue } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let admin: User;
let admin2: User;
let member: User;
let orgId: string;

const SECRET = "sk-lf-0123456789abcdef-SECRET";
const PUBLIC = "pk-lf-0123456789abcdef-PUBLIC";

beforeAll(async () => {
  owner = await createUser("owner");
  admin = await createUser("admin");
  admin2 = await createUser("admin2");
  member = await createUser("member");
  orgId = (await createOrganization(owner, "Acme")).id;
  await addMembership(orgId, admin, "admin");
  await addMembership(orgId, admin2, "admin");
  await addMembership(orgId, member, "member");
});

beforeEach(async () => {
  await prisma.changeRequest.deleteMany({});
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
  await prisma.workspace.updateMany({ data: { broadcastEnabled: true } });
});

const ws = (workspaceId = orgId) => ({ workspaceId });
const dp = (destinationId: string, workspaceId = orgId) => ({ workspaceId, destinationId });
const cr = (changeRequestId: string) => ({ workspaceId: orgId, changeRequestId });

async function createLangfuse(name = "Prod Langfuse", workspaceId = orgId) {
  actAs(owner);
  const res = await call(list.POST, {
    method: "POST",
    params: ws(workspaceId),
    body: { type: "langfuse", name, config: { secretKey: SECRET, publicKey: PUBLIC, baseUrl: "http://127.0.0.1:9/langfuse" } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination as { id: string; version: number; config: Record<string, string> };
}

/** A destination with one failed delivery and one received trace, so retry and replay change something. */
async function destinationWithHistory(workspaceId = orgId) {
  const destination = await createLangfuse("History", workspaceId);
  const [deliveryId] = await enqueue(workspaceId, [destination.id], 1, { receivedAt: new Date(Date.now() - 60_000) });
  await prisma.delivery.update({ where: { id: deliveryId }, data: { status: "failed", lastError: "boom" } });
  return destination;
}

const destinationState = (id: string) =>
  prisma.destination.findUniqueOrThrow({ where: { id }, select: { name: true, status: true, samplingRate: true, deletedAt: true, version: true, secrets: true } });

async function propose(body: Record<string, unknown>, destinationId: string) {
  actAs(member);
  const res = await call(one.PATCH, { method: "PATCH", params: dp(destinationId), body });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
  return res.json.changeRequest as { id: string; status: string; diff: { label: string; before: string | null; after: string | null }[] };
}

// Every broadcast action: how to call it, and what the direct path answers.
type ActionCase = {
  name: string;
  direct: number;
  /** Puts the destination in a state where the action changes something. */
  setup?: (destinationId: string) => Promise<unknown>;
  run: (destinationId: string, workspaceId: string) => ReturnType<typeof call>;
};
const ACTION_CASES: ActionCase[] = [
  { name: "broadcast.set", direct: 200, run: (_d, w) => call(broadcast.PUT, { method: "PUT", params: ws(w), body: { enabled: false } }) },
  {
    name: "destination.create",
    direct: 201,
    run: (_d, w) => call(list.POST, { method: "POST", params: ws(w), body: { type: "langfuse", name: "New", config: { secretKey: "sk-lf-new-secret-value-123", publicKey: "pk-lf-x" } } }),
  },
  { name: "destination.update", direct: 200, run: (d, w) => call(one.PATCH, { method: "PATCH", params: dp(d, w), body: { samplingRate: 0.5, filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "equals", value: "gpt-4o" }] }] } } }) },
  { name: "destination.update (privacy)", direct: 200, run: (d, w) => call(one.PATCH, { method: "PATCH", params: dp(d, w), body: { privacyMode: true } }) },
  { name: "destination.delete", direct: 204, run: (d, w) => call(one.DELETE, { method: "DELETE", params: dp(d, w) }) },
  { name: "destination.pause", direct: 200, run: (d, w) => call(pause.POST, { method: "POST", params: dp(d, w) }) },
  {
    name: "destination.resume",
    direct: 200,
    setup: (d) => prisma.destination.update({ where: { id: d }, data: { status: "auto_paused", statusReason: "failing" } }),
    run: (d, w) => call(resume.POST, { method: "POST", params: dp(d, w) }),
  },
  { name: "destination.retry_failed", direct: 200, run: (d, w) => call(retryFailed.POST, { method: "POST", params: dp(d, w), body: { dryRun: false } }) },
  { name: "destination.replay", direct: 200, run: (d, w) => call(replay.POST, { method: "POST", params: dp(d, w), body: { since: new Date(Date.now() - 3_600_000).toISOString(), dryRun: false } }) },
  {
    name: "destination.requeue_trace",
    direct: 200,
    run: async (d, w) => {
      const { id } = await prisma.delivery.findFirstOrThrow({ where: { destinationId: d } });
      return call(requeueDelivery.POST, { method: "POST", params: { ...dp(d, w), deliveryId: id }, body: {} });
    },
  },
];

/** Everything a broadcast change can touch, to prove that a proposal touched none of it. */
async function workspaceFingerprint(workspaceId: string) {
  const [workspace, destinations, deliveries] = await Promise.all([
    prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { broadcastEnabled: true } }),
    prisma.destination.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
    prisma.delivery.findMany({ where: { workspaceId }, orderBy: { id: "asc" }, select: { id: true, status: true, attempts: true } }),
  ]);
  return JSON.stringify({ workspace, destinations: destinations.map(({ updatedAt: _u, ...d }) => d), deliveries });
}

describe("who applies and who proposes", () => {
  it("broadcastChangeMode: only members of organizations propose", () => {
    const roles: Role[] = ["owner", "admin", "member"];
    expect(roles.map((r) => [r, broadcastChangeMode(r, "organization"), broadcastChangeMode(r, "personal")])).toEqual([
      ["owner", "apply", "apply"],
      ["admin", "apply", "apply"],
      ["member", "propose", "apply"],
    ]);
  });

  for (const action of ACTION_CASES) {
    for (const role of ["owner", "admin"] as const) {
      it(`${role} of an organization applies ${action.name} directly`, async () => {
        const destination = await destinationWithHistory();
        await action.setup?.(destination.id);
        actAs(role === "owner" ? owner : admin);
        const before = await workspaceFingerprint(orgId);
        const res = await action.run(destination.id, orgId);
        expect(res.status, JSON.stringify(res.json)).toBe(action.direct);
        expect(await workspaceFingerprint(orgId)).not.toBe(before);
        expect(await prisma.changeRequest.count()).toBe(0);
      });
    }

    it(`member of an organization proposes ${action.name}: 202, a pending request, nothing changes`, async () => {
      const destination = await destinationWithHistory();
      await action.setup?.(destination.id);
      const before = await workspaceFingerprint(orgId);
      actAs(member);
      const res = await action.run(destination.id, orgId);
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      expect(res.json.changeRequest).toMatchObject({ status: "pending", proposer: { id: member.id } });
      expect(res.json.changeRequest.diff.length).toBeGreaterThan(0);
      expect(await workspaceFingerprint(orgId)).toBe(before);
      const audit = await prisma.auditEvent.findFirst({ where: { workspaceId: orgId, action: "changeRequest.propose", targetId: res.json.changeRequest.id } });
      expect(audit?.actorId).toBe(member.id);
    });

    it(`the owner of a personal workspace applies ${action.name} directly`, async () => {
      const destination = await destinationWithHistory(owner.personalWorkspaceId);
      await action.setup?.(destination.id);
      actAs(owner);
      const res = await action.run(destination.id, owner.personalWorkspaceId);
      expect(res.status, JSON.stringify(res.json)).toBe(action.direct);
      expect(await prisma.changeRequest.count()).toBe(0);
    });
  }

  it("a member's dry runs are answered directly (they change nothing)", async () => {
    const destination = await destinationWithHistory();
    actAs(member);
    const res = await call(retryFailed.POST, { method: "POST", params: dp(destination.id), body: { dryRun: true } });
    expect(res.json).toEqual({ dryRun: true, count: 1 });
    expect(await prisma.changeRequest.count()).toBe(0);
  });

  it("members cannot decide; nobody decides on their own request; only the proposer withdraws", async () => {
    const destination = await createLangfuse();
    const request = await propose({ name: "Renamed" }, destination.id);
    actAs(member);
    expect((await call(approve.POST, { method: "POST", params: cr(request.id) })).status).toBe(403);
    expect((await call(reject.POST, { method: "POST", params: cr(request.id), body: { reason: "no" } })).status).toBe(403);
    // Promoted while the request is pending: still not their own judge.
    await prisma.membership.update({ where: { workspaceId_userId: { workspaceId: orgId, userId: member.id } }, data: { role: "admin" } });
    try {
      const own = await call(approve.POST, { method: "POST", params: cr(request.id) });
      expect(own.status).toBe(403);
      expect(own.json.error.code).toBe("own_request");
    } finally {
      await prisma.membership.update({ where: { workspaceId_userId: { workspaceId: orgId, userId: member.id } }, data: { role: "member" } });
    }
    actAs(admin);
    const notMine = await call(withdraw.POST, { method: "POST", params: cr(request.id) });
    expect(notMine.status).toBe(403);
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("pending");
  });
});

describe("each governed action is declared once", () => {
  it("every governed action has a route", () => {
    expect(new Set(ACTION_CASES.map((c) => c.name.split(" ")[0]))).toEqual(new Set(GOVERNED_ACTIONS));
  });

  it("each governed action is performed by exactly one session route, with governed(action, …), and only ACTIONS runs the applyX functions", () => {
    const sourcesUnder = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "generated" ? [] : sourcesUnder(full);
        return /\.tsx?$/.test(entry.name) ? [full.split(path.sep).join("/")] : [];
      });
    const sources = new Map([...sourcesUnder("app"), ...sourcesUnder("lib")].map((file) => [file, fs.readFileSync(file, "utf8")]));
    const routed = [...sources].filter(([file]) => file.startsWith("app/api/")).flatMap(([, text]) => [...text.matchAll(/\bgoverned\("([\w.]+)"/g)].map((m) => m[1]));
    expect(routed.sort()).toEqual([...GOVERNED_ACTIONS].sort());
    const applyImporters = [...sources].filter(([, text]) => /import \{[^}]*\bapply[A-Z]\w*[^}]*\} from "(@\/lib\/broadcast|\.)\/changes"/.test(text)).map(([file]) => file);
    expect(applyImporters).toEqual(["lib/governance/actions.ts"]);
  });

  for (const action of GOVERNED_ACTIONS) {
    it(`${action}: an admin's own change and an approved request run its entry of ACTIONS, and the route answers the entry's result`, async () => {
      const route = ACTION_CASES.find((c) => c.name === action)!;
      const [direct, proposed] = [await destinationWithHistory(), await destinationWithHistory()];
      await route.setup?.(direct.id);
      await route.setup?.(proposed.id);
      const spec = ACTIONS[action];
      const apply = vi.spyOn(spec, "apply");
      const afterCommit = spec.afterCommit ? vi.spyOn(spec as Required<typeof spec>, "afterCommit") : undefined;
      try {
        actAs(admin);
        const res = await route.run(direct.id, orgId);
        expect(res.status, JSON.stringify(res.json)).toBe(route.direct);
        expect(apply).toHaveBeenCalledTimes(1);
        expect(apply.mock.calls[0][1]).toMatchObject({ user: { id: admin.id } });
        expect(afterCommit?.mock.calls.length ?? 0).toBe(afterCommit ? 1 : 0);
        const result = await (afterCommit ?? apply).mock.results[0].value;
        expect(res.json).toEqual(result === undefined ? null : JSON.parse(JSON.stringify(result)));

        await prisma.workspace.update({ where: { id: orgId }, data: { broadcastEnabled: true } });
        apply.mockClear();
        afterCommit?.mockClear();
        actAs(member);
        const proposal = await route.run(proposed.id, orgId);
        expect(proposal.status, JSON.stringify(proposal.json)).toBe(202);
        expect(apply).not.toHaveBeenCalled();
        actAs(admin2);
        const approved = await call(approve.POST, { method: "POST", params: cr(proposal.json.changeRequest.id) });
        expect(approved.status, JSON.stringify(approved.json)).toBe(200);
        expect(apply).toHaveBeenCalledTimes(1);
        expect(apply.mock.calls[0][1]).toMatchObject({ user: { id: admin2.id } });
        expect(afterCommit?.mock.calls.length ?? 0).toBe(afterCommit ? 1 : 0);
      } finally {
        apply.mockRestore();
        afterCommit?.mockRestore();
      }
    });
  }
});

describe("proposing", () => {
  it("validates like the direct path: a bad payload is a 400 naming the field, and nothing is stored", async () => {
    const destination = await createLangfuse();
    actAs(member);
    const bad = await call(one.PATCH, { method: "PATCH", params: dp(destination.id), body: { config: { baseUrl: "not a url" } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].path).toBe("config.baseUrl");
    const unknownKey = await call(one.PATCH, { method: "PATCH", params: dp(destination.id), body: { apiKeyInclude: ["no-such-key"] } });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.json.error.fields[0].path).toBe("apiKeyInclude");
    const missing = await call(pause.POST, { method: "POST", params: dp("no-such-destination") });
    expect(missing.status).toBe(404);
    const noop = await call(one.PATCH, { method: "PATCH", params: dp(destination.id), body: { name: "Prod Langfuse" } });
    expect(noop.status).toBe(409);
    expect(noop.json.error.code).toBe("no_change");
    expect(await prisma.changeRequest.count()).toBe(0);
    expect(await prisma.destination.count({ where: { workspaceId: orgId } })).toBe(1);
  });

  it("encrypts proposed secrets bound to the request, keeps them out of payload, diff and audit, and drops masked ones", async () => {
    const destination = await createLangfuse();
    const newSecret = "sk-lf-PROPOSED-secret-value-0001";
    const request = await propose({ samplingRate: 0.05, config: { secretKey: newSecret, publicKey: destination.config.publicKey } }, destination.id);
    const row = await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(decryptJson(row.secrets!, { kind: "changeRequest", id: row.id })).toEqual({ secretKey: newSecret });
    expect(() => decryptJson(row.secrets!, { kind: "destination", id: destination.id })).toThrow();
    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: orgId } });
    for (const text of [JSON.stringify(row.payload), JSON.stringify(row.diff), JSON.stringify(audit), JSON.stringify(request)]) {
      expect(text).not.toContain(newSecret);
      expect(text).not.toContain(SECRET);
    }
    expect(request.diff).toEqual([
      { key: "samplingRate", label: "Sampling rate", before: "100%", after: "5%" },
      { key: "config.secretKey", label: "Secret Key", before: "set", after: "changed", secret: true },
    ]);
    expect(row.baseVersion).toBe(destination.version);
  });
});

describe("approving", () => {
  it("applies atomically with the same validation, audits the proposal, the change and the decision", async () => {
    const destination = await createLangfuse();
    const newSecret = "sk-lf-APPROVED-secret-value-0002";
    const request = await propose({ name: "Renamed", samplingRate: 0.25, config: { secretKey: newSecret } }, destination.id);

    actAs(admin);
    expect((await call(count.GET, { params: ws() })).json).toEqual({ pending: 1, minePending: 0 });
    const res = await call(approve.POST, { method: "POST", params: cr(request.id) });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.changeRequest).toMatchObject({ status: "approved", decider: { id: admin.id }, proposer: { id: member.id } });

    const after = await destinationState(destination.id);
    expect(after).toMatchObject({ name: "Renamed", samplingRate: 0.25, version: destination.version + 1 });
    expect(openSecrets(destination.id, after.secrets)).toEqual({ secretKey: newSecret, publicKey: PUBLIC });
    const row = await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(row.secrets).toBeNull();

    const events = await prisma.auditEvent.findMany({
      where: { workspaceId: orgId, targetId: { in: [request.id, destination.id] }, action: { in: ["changeRequest.propose", "destination.update", "changeRequest.approve"] } },
      orderBy: { createdAt: "asc" },
    });
    expect(events.map((e) => [e.action, e.actorId])).toEqual([
      ["changeRequest.propose", member.id],
      ["destination.update", admin.id],
      ["changeRequest.approve", admin.id],
    ]);
    expect(JSON.stringify(events)).not.toContain(newSecret);
    expect((await call(count.GET, { params: ws() })).json.pending).toBe(0);

    const again = await call(approve.POST, { method: "POST", params: cr(request.id) });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("not_pending");
  });

  it("creates a proposed destination with its secrets and links the request to it", async () => {
    actAs(member);
    const proposed = await call(list.POST, { method: "POST", params: ws(), body: { type: "langfuse", name: "Proposed", config: { secretKey: SECRET, publicKey: PUBLIC } } });
    expect(proposed.status).toBe(202);
    expect(await prisma.destination.count({ where: { workspaceId: orgId } })).toBe(0);
    actAs(owner);
    const res = await call(approve.POST, { method: "POST", params: cr(proposed.json.changeRequest.id) });
    expect(res.status).toBe(200);
    const created = await prisma.destination.findFirstOrThrow({ where: { workspaceId: orgId } });
    expect(res.json.changeRequest.targetId).toBe(created.id);
    expect(openSecrets(created.id, created.secrets)).toEqual({ secretKey: SECRET, publicKey: PUBLIC });
  });

  it("conflict: an admin edits the destination after the proposal, so approving applies nothing", async () => {
    const destination = await createLangfuse();
    const request = await propose({ samplingRate: 0.1 }, destination.id);
    actAs(admin);
    expect((await call(one.PATCH, { method: "PATCH", params: dp(destination.id), body: { name: "Edited by admin" } })).status).toBe(200);
    const listed = await call(requests.GET, { params: ws(), search: { status: "pending" } });
    expect(listed.json.changeRequests[0]).toMatchObject({ id: request.id, stale: true });

    actAs(admin2);
    const res = await call(approve.POST, { method: "POST", params: cr(request.id) });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("change_conflict");
    expect(await destinationState(destination.id)).toMatchObject({ name: "Edited by admin", samplingRate: 1 });
    const row = await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(row).toMatchObject({ status: "conflict", deciderId: admin2.id });
    expect(row.reason).toMatch(/changed after this request/);
    expect(await prisma.auditEvent.count({ where: { action: "changeRequest.conflict", targetId: request.id } })).toBe(1);
    expect(await prisma.auditEvent.count({ where: { action: "changeRequest.approve", targetId: request.id } })).toBe(0);
  });

  it("conflict: the destination was deleted meanwhile", async () => {
    const destination = await createLangfuse();
    const request = await propose({ privacyMode: true }, destination.id);
    actAs(admin);
    expect((await call(one.DELETE, { method: "DELETE", params: dp(destination.id) })).status).toBe(204);
    const res = await call(approve.POST, { method: "POST", params: cr(request.id) });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/deleted/);
  });

  it("re-validates at approval: the per-type limit reached meanwhile makes it a conflict, nothing is created", async () => {
    actAs(member);
    const proposed = await call(list.POST, { method: "POST", params: ws(), body: { type: "langfuse", name: "Sixth", config: { secretKey: SECRET, publicKey: PUBLIC } } });
    expect(proposed.status).toBe(202);
    for (let i = 0; i < MAX_DESTINATIONS_PER_TYPE; i++) await createLangfuse(`L${i}`);
    actAs(admin);
    const res = await call(approve.POST, { method: "POST", params: cr(proposed.json.changeRequest.id) });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/at most 5 Langfuse destinations/);
    expect(await prisma.destination.count({ where: { workspaceId: orgId, deletedAt: null } })).toBe(MAX_DESTINATIONS_PER_TYPE);
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: proposed.json.changeRequest.id } })).status).toBe("conflict");
  });

  it("conflict on the broadcast switch when it was flipped meanwhile", async () => {
    actAs(member);
    const proposed = await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } });
    expect(proposed.status).toBe(202);
    actAs(admin);
    await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } });
    const res = await call(approve.POST, { method: "POST", params: cr(proposed.json.changeRequest.id) });
    expect(res.status).toBe(409);
  });
});

describe("rejecting and withdrawing", () => {
  it("rejects with a required reason the member can read; nothing is applied", async () => {
    const destination = await createLangfuse();
    const request = await propose({ samplingRate: 0.5 }, destination.id);
    actAs(admin);
    const noReason = await call(reject.POST, { method: "POST", params: cr(request.id), body: { reason: "  " } });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.fields[0].path).toBe("reason");
    const res = await call(reject.POST, { method: "POST", params: cr(request.id), body: { reason: "Sampling stays at 100% for audits" } });
    expect(res.status).toBe(200);
    expect(await destinationState(destination.id)).toMatchObject({ samplingRate: 1, version: destination.version });

    actAs(member);
    const mine = await call(requests.GET, { params: ws(), search: { mine: "true" } });
    expect(mine.json.changeRequests).toHaveLength(1);
    expect(mine.json.changeRequests[0]).toMatchObject({ status: "rejected", reason: "Sampling stays at 100% for audits", decider: { email: admin.email } });
    expect(await prisma.auditEvent.count({ where: { action: "changeRequest.reject", targetId: request.id, actorId: admin.id } })).toBe(1);
    expect((await call(withdraw.POST, { method: "POST", params: cr(request.id) })).status).toBe(409);
  });

  it("the proposer withdraws; the request then cannot be approved and its secrets are erased", async () => {
    const destination = await createLangfuse();
    const request = await propose({ config: { secretKey: "sk-lf-WITHDRAWN-secret-000003" } }, destination.id);
    actAs(member);
    const commented = await call(oneRequest.PATCH, { method: "PATCH", params: cr(request.id), body: { comment: "Rotating the key" } });
    expect(commented.json.changeRequest.comment).toBe("Rotating the key");
    const res = await call(withdraw.POST, { method: "POST", params: cr(request.id) });
    expect(res.status).toBe(200);
    expect(res.json.changeRequest.status).toBe("withdrawn");
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } })).secrets).toBeNull();
    actAs(admin);
    expect((await call(approve.POST, { method: "POST", params: cr(request.id) })).status).toBe(409);
    expect(openSecrets(destination.id, (await destinationState(destination.id)).secrets).secretKey).toBe(SECRET);
    expect(await prisma.auditEvent.count({ where: { action: "changeRequest.withdraw", targetId: request.id, actorId: member.id } })).toBe(1);
  });

  it("lists by status and target, newest first, paged, and keeps other workspaces' requests out", async () => {
    const destination = await createLangfuse();
    for (const rate of [0.1, 0.2, 0.3]) await propose({ samplingRate: rate }, destination.id);
    actAs(admin);
    const first = await call(requests.GET, { params: ws(), search: { status: "pending", targetId: destination.id, limit: "2" } });
    expect(first.json.changeRequests.map((r: { diff: { after: string }[] }) => r.diff[0].after)).toEqual(["30%", "20%"]);
    const second = await call(requests.GET, { params: ws(), search: { status: "pending", limit: "2", cursor: first.json.nextCursor } });
    expect(second.json.changeRequests.map((r: { diff: { after: string }[] }) => r.diff[0].after)).toEqual(["10%"]);
    expect(second.json.nextCursor).toBeNull();
    const outsider = await createUser("outsider");
    actAs(outsider);
    expect((await call(oneRequest.GET, { params: cr(first.json.changeRequests[0].id) })).status).toBe(404);
    expect((await call(approve.POST, { method: "POST", params: cr(first.json.changeRequests[0].id) })).status).toBe(404);
  });
});

describe("audit log", () => {
  it("filters the governance trail by actor (case-insensitive) and exports it as JSON", async () => {
    const destination = await createLangfuse();
    const request = await propose({ name: "Audited" }, destination.id);
    actAs(admin);
    expect((await call(approve.POST, { method: "POST", params: cr(request.id) })).status).toBe(200);
    const byMember = await call(audit.GET, { params: ws(), search: { actor: member.email.toUpperCase(), targetId: request.id } });
    expect(byMember.json.events.map((e: { action: string }) => e.action)).toEqual(["changeRequest.propose"]);
    const exported = await call(audit.GET, { params: ws(), search: { format: "json", targetId: request.id } });
    expect(exported.json.map((e: { action: string; actorLabel: string }) => [e.action, e.actorLabel])).toEqual([
      ["changeRequest.approve", admin.email],
      ["changeRequest.propose", member.email],
    ]);
  });
});

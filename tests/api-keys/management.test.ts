// Management keys: who may create them, storage, revocation, last use, the creator's role they carry
// (and lose), the audit label of what they do, and the wall between them and ingest keys.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as managementKey from "@/app/api/workspaces/[workspaceId]/management-keys/[managementKeyId]/route";
import * as managementKeys from "@/app/api/workspaces/[workspaceId]/management-keys/route";
import * as apiKeys from "@/app/api/workspaces/[workspaceId]/api-keys/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import { AUDIT_TARGET_TYPES, auditActionLabel } from "@/components/audit/actions";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Workspace } from "@/lib/generated/prisma/client";
import { sha256Hex } from "@/lib/hash";
import { serveManagementApi, type ApiServer } from "../support/management-api";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let server: ApiServer;
let admin: SessionUser, plain: SessionUser, owner: SessionUser;
let org: Workspace;

beforeAll(async () => {
  server = await serveManagementApi();
});
afterAll(() => server?.close());

beforeEach(async () => {
  [owner, admin, plain] = await Promise.all(["owner", "admin", "member"].map(createUser));
  org = await createOrganization(owner, "Acme");
  await addMembership(org.id, admin, "admin");
  await addMembership(org.id, plain, "member");
});

async function create(as: SessionUser, name = "Terraform") {
  actAs(as);
  const res = await call(managementKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as { managementKey: { id: string; prefix: string }; secret: string };
}

/** A request to the management API (or ingestion) over HTTP with the key as a bearer token. */
function request(path: string, key: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${server.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}
const list = (key: string) => request("/api/v1/observability/destinations", key);
const createWebhook = (key: string, name = "Hook") =>
  request("/api/v1/observability/destinations", key, { method: "POST", body: { type: "webhook", name, config: { url: "http://127.0.0.1:9/hook" } } });
const setRole = (user: SessionUser, role: "member" | "admin") =>
  prisma.membership.update({ where: { workspaceId_userId: { workspaceId: org.id, userId: user.id } }, data: { role } });

describe("creating, listing and revoking", () => {
  it("shows the secret (tcm_ + 43 characters) once and stores only its sha256 and prefix; the list never holds it", async () => {
    const { managementKey: summary, secret } = await create(admin);
    expect(secret).toMatch(/^tcm_[A-Za-z0-9_-]{43}$/);
    const row = await prisma.managementKey.findUniqueOrThrow({ where: { id: summary.id } });
    expect(row).toMatchObject({ hash: sha256Hex(secret), prefix: secret.slice(0, 12), createdById: admin.id, workspaceId: org.id });
    expect(JSON.stringify(row)).not.toContain(secret);
    actAs(plain);
    const listed = await call(managementKeys.GET, { params: { workspaceId: org.id } });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect(listed.json.managementKeys[0]).toMatchObject({ id: summary.id, createdBy: { email: admin.email }, lastUsedAt: null });
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { workspaceId: org.id, action: "managementKey.create" } });
    expect(audit.actorId).toBe(admin.id);
    expect(auditActionLabel(audit.action)).toBe("Management key created");
    expect(AUDIT_TARGET_TYPES[audit.targetType]).toBe("Management key");
  });

  it("refuses a member of an organization (403), who cannot revoke one either", async () => {
    actAs(plain);
    const res = await call(managementKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name: "Mine" } });
    expect(res.status).toBe(403);
    expect(await prisma.managementKey.count({ where: { workspaceId: org.id } })).toBe(0);
    const { managementKey: summary } = await create(admin);
    actAs(plain);
    expect((await call(managementKey.DELETE, { method: "DELETE", params: { workspaceId: org.id, managementKeyId: summary.id } })).status).toBe(403);
  });

  it("records when the key was last used, and a revoked key gets 401 at once", async () => {
    const { managementKey: summary, secret } = await create(admin);
    expect((await list(secret)).status).toBe(200);
    await vi.waitFor(async () => expect((await prisma.managementKey.findUniqueOrThrow({ where: { id: summary.id } })).lastUsedAt).not.toBeNull());
    actAs(admin);
    const revoked = await call(managementKey.DELETE, { method: "DELETE", params: { workspaceId: org.id, managementKeyId: summary.id } });
    expect(revoked.status).toBe(200);
    expect(revoked.json.managementKey.revokedAt).not.toBeNull();
    const res = await list(secret);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 401, message: "Invalid or revoked management key", metadata: { code: "unauthorized" } } });
  });

  it("shows each ingest key's hash, the name the management API knows it by", async () => {
    actAs(admin);
    const made = await call(apiKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name: "Production" } });
    expect(made.json.apiKey.hash).toBe(sha256Hex(made.json.secret));
    const listed = await call(apiKeys.GET, { params: { workspaceId: org.id } });
    expect(listed.json.apiKeys[0].hash).toBe(sha256Hex(made.json.secret));
  });
});

describe("the creator's role, as it is at each request", () => {
  it("applies an admin's key's changes; lowered to member, the same key's changes become change requests", async () => {
    const { secret } = await create(admin);
    const applied = await createWebhook(secret, "Applied");
    expect(applied.status).toBe(201);
    const { data } = (await applied.json()) as { data: { id: string } };
    await setRole(admin, "member");
    const proposed = await request(`/api/v1/observability/destinations/${data.id}`, secret, { method: "PATCH", body: { name: "Renamed" } });
    expect(proposed.status).toBe(202);
    const { change_request } = (await proposed.json()) as { change_request: { id: string; status: string } };
    expect(change_request.status).toBe("pending");
    const deleting = await request(`/api/v1/observability/destinations/${data.id}`, secret, { method: "DELETE" });
    expect(deleting.status).toBe(202);
    const row = await prisma.destination.findUniqueOrThrow({ where: { id: data.id } });
    expect(row).toMatchObject({ name: "Applied", deletedAt: null });
    expect(await prisma.changeRequest.count({ where: { workspaceId: org.id, proposerId: admin.id, status: "pending" } })).toBe(2);
  });

  it("a change request filed with a member's key is applied, as proposed, when an admin approves it", async () => {
    const { secret } = await create(admin);
    const { data } = (await (await createWebhook(secret, "Before")).json()) as { data: { id: string } };
    await setRole(admin, "member");
    const proposed = await request(`/api/v1/observability/destinations/${data.id}`, secret, {
      method: "PATCH",
      body: { name: "After", sampling_rate: 0.25, regions: ["eu"], broadcast_generation_identity: true },
    });
    const { change_request } = (await proposed.json()) as { change_request: { id: string } };
    actAs(owner);
    const approved = await call(approve.POST, { method: "POST", params: { workspaceId: org.id, changeRequestId: change_request.id } });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    const row = await prisma.destination.findUniqueOrThrow({ where: { id: data.id } });
    expect(row).toMatchObject({ name: "After", samplingRate: 0.25, regions: ["europe"], broadcastGenerationIdentity: true });
  });

  it("stops working (401) once its creator has left the workspace", async () => {
    const { secret } = await create(admin);
    expect((await list(secret)).status).toBe(200);
    await prisma.membership.delete({ where: { workspaceId_userId: { workspaceId: org.id, userId: admin.id } } });
    const res = await list(secret);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no longer a member/);
  });

  it("audits every change under the key's name (and its creator)", async () => {
    const { secret } = await create(admin, "Deploy bot");
    const res = await createWebhook(secret);
    const { data } = (await res.json()) as { data: { id: string } };
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { workspaceId: org.id, action: "destination.create", targetId: data.id } });
    expect(event.actorId).toBe(admin.id);
    expect(event.actorLabel).toBe(`management key “Deploy bot” (${admin.email})`);
  });
});

describe("management keys and ingest keys do not stand in for each other", () => {
  it("ingestion refuses a management key (401) and stores nothing", async () => {
    const { secret } = await create(admin);
    const res = await request("/api/v1/traces", secret, {
      method: "POST",
      body: { model: "openai/gpt-4o-mini", request: { messages: [{ role: "user", content: "hi" }] }, timing: { start: "2026-12-01T00:00:00Z", end: "2026-12-01T00:00:01Z" } },
    });
    expect(res.status).toBe(401);
    expect(await prisma.tracePayload.count({ where: { workspaceId: org.id } })).toBe(0);
  });

  it("the management API refuses a request without a key (401 in OpenRouter's error shape)", async () => {
    const res = await fetch(`${server.url}/api/v1/observability/destinations`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, message: "Missing management key: send Authorization: Bearer <key>" } });
  });

  it("the management API refuses an ingest key (401, saying which kind it needs) and changes nothing", async () => {
    actAs(admin);
    const { secret } = (await call(apiKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name: "Ingest" } })).json as { secret: string };
    const res = await createWebhook(secret);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/ingest key/);
    expect(await prisma.destination.count({ where: { workspaceId: org.id } })).toBe(0);
  });
});

describe("guessing management keys", () => {
  it("counts invalid management keys against the client address like invalid ingest keys: 429 before the key is looked up", async () => {
    vi.stubEnv("TRACECAST_TRUSTED_PROXY_HOPS", "1");
    try {
      const guess = (address: string) =>
        fetch(`${server.url}/api/v1/observability/destinations`, { headers: { authorization: `Bearer tcm_guess${address}`, "x-forwarded-for": address } });
      for (let i = 0; i < 20; i++) expect((await guess("198.51.100.77")).status).toBe(401);
      const blocked = await guess("198.51.100.77");
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another address is not slowed down.
      expect((await guess("198.51.100.78")).status).toBe(401);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

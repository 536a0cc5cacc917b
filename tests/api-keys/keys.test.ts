// API keys: the secret's format and storage, verification, revocation, the lastUsedAt throttle,
// and the audit events they leave.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as apiKey from "@/app/api/workspaces/[workspaceId]/api-keys/[apiKeyId]/route";
import * as apiKeys from "@/app/api/workspaces/[workspaceId]/api-keys/route";
import { LAST_USED_RESOLUTION_MS, verifyApiKey } from "@/lib/api-keys";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Workspace } from "@/lib/generated/prisma/client";
import { sha256Hex } from "@/lib/hash";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let admin: SessionUser, plain: SessionUser;
let org: Workspace;

beforeEach(async () => {
  [admin, plain] = await Promise.all(["admin", "member"].map(createUser));
  org = await createOrganization(admin, "Acme");
  await addMembership(org.id, plain, "member");
});

afterEach(() => {
  vi.useRealTimers();
});

async function create(name = "Production") {
  actAs(admin);
  const res = await call(apiKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name } });
  expect(res.status).toBe(201);
  return res.json as { apiKey: { id: string; prefix: string; name: string }; secret: string };
}

const lastUsedAt = async (id: string) => (await prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;

describe("creating and listing keys", () => {
  it("returns tc_ + 43 base64url chars once, storing only its sha256 and first 12 chars", async () => {
    const { apiKey: summary, secret } = await create();
    expect(secret).toMatch(/^tc_[A-Za-z0-9_-]{43}$/);
    expect(summary).toMatchObject({ name: "Production", prefix: secret.slice(0, 12), revokedAt: null, lastUsedAt: null });
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: summary.id } });
    expect(row).toMatchObject({ workspaceId: org.id, hash: sha256Hex(secret), prefix: secret.slice(0, 12), createdById: admin.id });
    expect(JSON.stringify(row)).not.toContain(secret);

    // Members may see the list, never the secret. The hash is shown: it is how the management API
    // names keys (OpenRouter's api_key_hashes), and it cannot authenticate (the key is what is hashed).
    actAs(plain);
    const listed = await call(apiKeys.GET, { params: { workspaceId: org.id } });
    expect(listed.json.apiKeys).toEqual([
      expect.objectContaining({ id: summary.id, prefix: secret.slice(0, 12), hash: row.hash, createdBy: expect.objectContaining({ email: admin.email }) }),
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(secret);

    expect(await prisma.auditEvent.findFirst({ where: { workspaceId: org.id, action: "apiKey.create" } })).toMatchObject({
      actorId: admin.id,
      targetId: summary.id,
      after: { name: "Production", prefix: secret.slice(0, 12) },
    });
  });

  it("generates a different key every time", async () => {
    const secrets = new Set(await Promise.all([create("a"), create("b"), create("c")]).then((r) => r.map((k) => k.secret)));
    expect(secrets.size).toBe(3);
  });

  it("names the field of a bad name and lets only apiKeys:manage roles create or revoke", async () => {
    actAs(admin);
    const bad = await call(apiKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name: " " } });
    expect(bad.json.error.fields[0].path).toBe("name");
    const { apiKey: summary } = await create();
    actAs(plain);
    expect((await call(apiKeys.POST, { method: "POST", params: { workspaceId: org.id }, body: { name: "x" } })).status).toBe(403);
    expect((await call(apiKey.DELETE, { method: "DELETE", params: { workspaceId: org.id, apiKeyId: summary.id } })).status).toBe(403);
    expect(await prisma.apiKey.count({ where: { workspaceId: org.id, revokedAt: { not: null } } })).toBe(0);
  });
});

describe("verifyApiKey", () => {
  it("returns the key and its workspace for a valid key", async () => {
    const { apiKey: summary, secret } = await create();
    const ctx = await verifyApiKey(secret);
    expect(ctx?.apiKey).toEqual({ id: summary.id, name: "Production", workspaceId: org.id });
    expect(ctx?.workspace).toEqual(await prisma.workspace.findUniqueOrThrow({ where: { id: org.id } }));
  });

  it("rejects malformed, unknown and altered keys", async () => {
    const { secret } = await create();
    const altered = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    for (const key of ["", "tc_", "sk-abc", secret.slice(0, -1), `${secret}x`, altered, `tc_${"A".repeat(43)}`])
      expect(await verifyApiKey(key)).toBeNull();
  });

  it("rejects a key from the moment it is revoked, and revoking again changes nothing", async () => {
    const { apiKey: summary, secret } = await create();
    expect(await verifyApiKey(secret)).not.toBeNull();
    actAs(admin);
    const res = await call(apiKey.DELETE, { method: "DELETE", params: { workspaceId: org.id, apiKeyId: summary.id } });
    expect(res.status).toBe(200);
    expect(res.json.apiKey.revokedAt).toEqual(expect.any(String));
    expect(await verifyApiKey(secret)).toBeNull();

    const again = await call(apiKey.DELETE, { method: "DELETE", params: { workspaceId: org.id, apiKeyId: summary.id } });
    expect(again.json.apiKey.revokedAt).toBe(res.json.apiKey.revokedAt);
    expect(await prisma.auditEvent.count({ where: { workspaceId: org.id, action: "apiKey.revoke", targetId: summary.id } })).toBe(1);
  });

  it("records lastUsedAt in the background at most once a minute per key", async () => {
    const { apiKey: summary, secret } = await create();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = new Date("2030-01-01T00:00:00Z");
    vi.setSystemTime(start);

    await verifyApiKey(secret);
    await vi.waitFor(async () => expect(await lastUsedAt(summary.id)).toEqual(start), { interval: 20 });

    vi.setSystemTime(start.getTime() + LAST_USED_RESOLUTION_MS - 1000);
    const updates = vi.spyOn(prisma.apiKey, "updateMany");
    await Promise.all([verifyApiKey(secret), verifyApiKey(secret), verifyApiKey(secret)]);
    expect(updates).not.toHaveBeenCalled();
    expect(await lastUsedAt(summary.id)).toEqual(start);

    const later = new Date(start.getTime() + LAST_USED_RESOLUTION_MS + 1000);
    vi.setSystemTime(later);
    await Promise.all([verifyApiKey(secret), verifyApiKey(secret)]);
    expect(updates).toHaveBeenCalledTimes(1);
    await vi.waitFor(async () => expect(await lastUsedAt(summary.id)).toEqual(later), { interval: 20 });
    updates.mockRestore();
  });

  it("does not wait for the lastUsedAt write", async () => {
    const { secret } = await create();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const updates = vi.spyOn(prisma.apiKey, "updateMany").mockImplementation((() => held.then(() => ({ count: 1 }))) as never);
    const ctx = await verifyApiKey(secret); // would hang here if the write were awaited
    expect(ctx).not.toBeNull();
    expect(updates).toHaveBeenCalledTimes(1);
    release();
    updates.mockRestore();
  });
});

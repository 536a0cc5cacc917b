// A saved destination's secrets go only to the address they were saved for (issue 18.4). The probe:
// a member tested a saved destination with its URL changed and the masked secrets sent back, and
// the stored Langfuse key pair and a webhook's custom header arrived in clear at the member's URL.
// Proved through the real route handlers (test connection, update, change request and approval),
// the real database and two real receivers on 127.0.0.1: the saved one and the attacker's, which
// must receive nothing that carries a saved secret.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as testSaved from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as testUnsaved from "@/app/api/workspaces/[workspaceId]/destinations/test/route";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { fieldsOf, targetKeysOf } from "@/lib/destinations/define";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { enqueue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const PUBLIC_KEY = "pk-lf-TARGETSUITE-0123456789abcdef";
const SECRET_KEY = "sk-lf-TARGETSUITE-fedcba9876543210";
const BEARER = "Bearer hook-TARGETSUITE-0123456789abcdefghij";
const SIGNING = `whsec_${Buffer.from("TARGETSUITE-signing-secret-32bytes!").toString("base64")}`;
const SAVED_SECRETS = [PUBLIC_KEY, SECRET_KEY, BEARER, Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")];

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let orgId: string;
let saved: Receiver;
let attacker: Receiver;

beforeAll(async () => {
  owner = await createUser("target-owner");
  member = await createUser("target-member");
  orgId = (await createOrganization(owner, "Target Inc")).id;
  await addMembership(orgId, member, "member");
  saved = await startReceiver();
  attacker = await startReceiver();
});
afterAll(async () => {
  await saved.close();
  await attacker.close();
});
beforeEach(async () => {
  actAs(owner);
  await prisma.changeRequest.deleteMany({});
  await prisma.destination.deleteMany({});
  saved.requests.length = 0;
  attacker.requests.length = 0;
});

const ws = () => ({ workspaceId: orgId });
const dp = (destinationId: string) => ({ workspaceId: orgId, destinationId });

async function create(type: string, config: Record<string, unknown>) {
  const res = await call(list.POST, { method: "POST", params: ws(), body: { type, name: `${type} prod`, config } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination as { id: string; config: Record<string, unknown> };
}

const createLangfuse = () => create("langfuse", { publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: saved.url });
const createWebhook = () => create("webhook", { url: `${saved.url}/hook`, headers: { Authorization: BEARER, "X-Team": "ml" }, secret: SIGNING });

/** Nothing the attacker's receiver got holds a saved secret (it got nothing at all, in fact). */
function expectAttackerGotNothing() {
  const seen = JSON.stringify(attacker.requests);
  for (const secret of SAVED_SECRETS) expect(seen).not.toContain(secret);
  expect(attacker.requests).toHaveLength(0);
}

const fieldPaths = (json: { error: { fields?: { path: string }[] } }) => (json.error.fields ?? []).map((f) => f.path).sort();

describe("test connection with a saved destination's secrets", () => {
  it("refuses a changed Base URL with the masked key pair, naming both keys; the changed URL gets nothing", async () => {
    const dest = await createLangfuse();
    actAs(member);
    const res = await call(testUnsaved.POST, {
      method: "POST",
      params: ws(),
      body: { type: "langfuse", destinationId: dest.id, config: { ...dest.config, baseUrl: attacker.url } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("secrets_required");
    expect(res.json.error.message).toMatch(/Base URL changed/);
    expect(fieldPaths(res.json)).toEqual(["config.publicKey", "config.secretKey"]);
    expectAttackerGotNothing();
  });

  it("refuses when the secrets are left out instead of masked", async () => {
    const dest = await createLangfuse();
    actAs(member);
    const res = await call(testUnsaved.POST, { method: "POST", params: ws(), body: { type: "langfuse", destinationId: dest.id, config: { baseUrl: attacker.url } } });
    expect(res.status).toBe(400);
    expect(fieldPaths(res.json)).toEqual(["config.publicKey", "config.secretKey"]);
    expectAttackerGotNothing();
  });

  it("refuses a changed webhook URL that keeps a masked custom header or the saved signing secret", async () => {
    const dest = await createWebhook();
    actAs(member);
    const masked = await call(testUnsaved.POST, {
      method: "POST",
      params: ws(),
      body: { type: "webhook", destinationId: dest.id, config: { ...dest.config, url: `${attacker.url}/steal` } },
    });
    expect(masked.status).toBe(400);
    expect(fieldPaths(masked.json)).toEqual(["config.headers.Authorization", "config.headers.X-Team", "config.secret"]);
    // New header values, but the signing secret still the saved one.
    const partly = await call(testUnsaved.POST, {
      method: "POST",
      params: ws(),
      body: { type: "webhook", destinationId: dest.id, config: { url: `${attacker.url}/steal`, headers: { Authorization: "Bearer mine" } } },
    });
    expect(partly.status).toBe(400);
    expect(fieldPaths(partly.json)).toEqual(["config.secret"]);
    expectAttackerGotNothing();
  });

  it("sends what was entered again to the new URL, and nothing saved", async () => {
    const dest = await createWebhook();
    actAs(member);
    const res = await call(testUnsaved.POST, {
      method: "POST",
      params: ws(),
      body: { type: "webhook", destinationId: dest.id, config: { url: `${attacker.url}/mine`, headers: { Authorization: "Bearer mine" }, secret: null } },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(attacker.requests).toHaveLength(1);
    expect(attacker.requests[0].headers.authorization).toBe("Bearer mine");
    expect(attacker.requests[0].headers["webhook-signature"]).toBeUndefined();
    expect(JSON.stringify(attacker.requests)).not.toContain(BEARER);
  });

  it("reuses the saved secrets while the target is unchanged, and audits the test with who and where", async () => {
    const dest = await createLangfuse();
    actAs(member);
    const unsaved = await call(testUnsaved.POST, { method: "POST", params: ws(), body: { type: "langfuse", destinationId: dest.id, config: dest.config } });
    expect(unsaved.status, JSON.stringify(unsaved.json)).toBe(200);
    const savedTest = await call(testSaved.POST, { method: "POST", params: dp(dest.id) });
    expect(savedTest.status).toBe(200);
    expect(saved.requests).toHaveLength(2);
    expect(saved.requests[0].headers.authorization).toBe(`Basic ${Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")}`);

    const events = await prisma.auditEvent.findMany({ where: { workspaceId: orgId, action: "destination.test", targetId: dest.id }, orderBy: { createdAt: "asc" } });
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({ actorId: member.id, actorLabel: member.email, targetType: "destination", targetId: dest.id });
      expect(event.after).toMatchObject({ name: "langfuse prod", target: { baseUrl: saved.url }, ok: true });
      for (const secret of SAVED_SECRETS) expect(JSON.stringify(event.after)).not.toContain(secret);
    }
  });
});

describe("updates and change requests", () => {
  it("refuses an update that changes the URL and keeps the masked secrets; the stored destination still delivers to its URL only", async () => {
    const dest = await createLangfuse();
    const res = await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { config: { ...dest.config, baseUrl: attacker.url } } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("secrets_required");
    expect(fieldPaths(res.json)).toEqual(["config.publicKey", "config.secretKey"]);

    await enqueue(orgId, [dest.id], 1);
    expect((await drainDestination(dest.id)).delivered).toBe(1);
    expect(saved.requests).toHaveLength(1);
    expectAttackerGotNothing();
  });

  it("accepts the new URL with the secrets entered again", async () => {
    const dest = await createLangfuse();
    const res = await call(one.PATCH, {
      method: "PATCH",
      params: dp(dest.id),
      body: { config: { baseUrl: attacker.url, publicKey: "pk-lf-new-0123456789", secretKey: "sk-lf-new-0123456789" } },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.destination.config.baseUrl).toBe(attacker.url);
  });

  it("a default written out is no change of target", async () => {
    const dest = await create("newrelic", { licenseKey: "NRAK-TARGETSUITE-0123456789" });
    const res = await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { config: { ...dest.config, region: "us" } } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const moved = await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { config: { ...dest.config, region: "eu" } } });
    expect(moved.status).toBe(400);
    expect(moved.json.error.message).toMatch(/Region changed/);
  });

  it("refuses a member's proposal that points the masked secrets at a new URL: no change request is stored", async () => {
    const dest = await createWebhook();
    actAs(member);
    const res = await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { config: { ...dest.config, url: `${attacker.url}/steal` } } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("secrets_required");
    expect(await prisma.changeRequest.count()).toBe(0);
  });

  it("approving a pending request that would move the saved secrets marks it a conflict and applies nothing", async () => {
    // A request stored before this rule (or by any other path): the URL changes, no secret is in it.
    const dest = await createWebhook();
    const row = await prisma.destination.findUniqueOrThrow({ where: { id: dest.id } });
    const request = await prisma.changeRequest.create({
      data: {
        workspaceId: orgId,
        proposerId: member.id,
        action: "destination.update",
        targetId: dest.id,
        payload: { config: { url: `${attacker.url}/steal` } },
        baseVersion: row.version,
        diff: [],
      },
    });
    const res = await call(approve.POST, { method: "POST", params: { workspaceId: orgId, changeRequestId: request.id } });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/URL changed: enter the saved secrets again/);
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("conflict");
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: dest.id } })).version).toBe(row.version);

    await enqueue(orgId, [dest.id], 1);
    expect((await drainDestination(dest.id)).delivered).toBe(1);
    expect(saved.requests.at(-1)!.headers.authorization).toBe(BEARER);
    expectAttackerGotNothing();
  });
});

describe("every destination says which fields decide where requests go", () => {
  // Adding a destination means adding its row here: the test fails until someone has decided which
  // of its fields move its secrets elsewhere. URL fields are targets by construction (field.url).
  const TARGETS: Record<string, string[]> = {
    arize: ["baseUrl"],
    phoenix: ["baseUrl"],
    braintrust: ["baseUrl"],
    clickhouse: ["host"],
    opik: ["baseUrl"],
    datadog: ["url"],
    dynatrace: ["environmentUrl"],
    firehose: ["region", "endpoint"],
    galileo: ["baseUrl"],
    grafana: ["baseUrl"],
    helicone: ["baseUrl"],
    keywordsai: ["baseUrl"],
    langfuse: ["baseUrl"],
    langsmith: ["endpoint"],
    middleware: ["baseUrl"],
    newrelic: ["region"],
    "otel-collector": ["endpoint"],
    // The host is in the connection string, itself the secret; the TLS mode decides whether it travels in clear.
    postgres: ["tlsMode"],
    posthog: ["endpoint"],
    ramp: ["baseUrl"],
    s3: ["region", "endpoint"],
    sentry: ["otlpEndpoint"],
    snowflake: ["account"],
    supabase: ["projectUrl"],
    weave: ["baseUrl"],
    webhook: ["url"],
  };

  it("lists every registered destination", () => {
    expect([...DESTINATIONS.keys()].sort()).toEqual(Object.keys(TARGETS).sort());
  });

  for (const def of DESTINATIONS.values()) {
    it(`${def.type}: its target fields are the expected ones, URL fields among them`, () => {
      const targets = targetKeysOf(def);
      expect(targets).toEqual(TARGETS[def.type]);
      for (const f of fieldsOf(def)) if (f.widget === "url") expect(targets).toContain(f.key);
    });
  }
});

// What the destination form relies on from the server: every field's problem in one answer, the
// platform key formats the definitions declare (the form runs the same rules), Snowflake's
// authentication switch and PEM keys, the setup SQL for unsaved values, and an update that
// changes nothing writing nothing.
import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as collection from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as single from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as setupSql from "@/app/api/workspaces/[workspaceId]/destinations/setup-sql/route";
import { prisma } from "@/lib/db";
import { fieldsOf } from "@/lib/destinations/define";
import { getDefinition } from "@/lib/destinations/registry";
import { actAs } from "../support/session-mock";
import { call, createOrganization, createUser } from "../support/accounts";
import { initialValues, validateConfig } from "@/components/observability/config-form-state";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let orgId: string;
beforeAll(async () => {
  const owner = await createUser("forms-owner");
  orgId = (await createOrganization(owner, "Forms org")).id;
  actAs(owner);
});

const create = (type: string, config: Record<string, unknown>, name = type) =>
  call(collection.POST, { method: "POST", params: { workspaceId: orgId }, body: { type, name, enabled: false, config } });
const fieldsIn = (res: { json: { error?: { fields?: { path: string; message: string }[] } } }) =>
  Object.fromEntries((res.json.error?.fields ?? []).map((f) => [f.path, f.message]));

const pem = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

/** The form's own check of the same values (every rule it was given), keyed like the server's paths. */
function formErrors(type: string, config: Record<string, unknown>) {
  const fields = fieldsOf(getDefinition(type)!);
  const values = initialValues(fields);
  for (const [key, value] of Object.entries(config)) {
    const f = fields.find((x) => x.key === key)!;
    values[key] = f.widget === "secret" ? { kind: "new", value: String(value) } : String(value);
  }
  return validateConfig(JSON.parse(JSON.stringify(fields)), values);
}

describe("every problem in one answer", () => {
  it("names every bad field of a config at once", async () => {
    const res = await create("sentry", { otlpEndpoint: "ftp://nope", dsn: "not a dsn", serviceName: "a\u0007b" });
    expect(res.status).toBe(400);
    expect(Object.keys(fieldsIn(res)).sort()).toEqual(["config.dsn", "config.otlpEndpoint", "config.serviceName"]);
  });

  it("reports a cross-field problem together with the fields' own", async () => {
    const res = await create("webhook", { url: "ftp://nope", previousSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
    expect(Object.keys(fieldsIn(res)).sort()).toEqual(["config.previousSecret", "config.url"]);
    expect(fieldsIn(res)["config.previousSecret"]).toMatch(/set Signing secret too/);
  });

  it("the form finds the same fields before sending (it gets the definition's rules)", () => {
    expect(Object.keys(formErrors("langfuse", { secretKey: "pk-lf-1", publicKey: "sk-lf-2", baseUrl: "https://cloud.langfuse.com" })).sort()).toEqual([
      "config.publicKey",
      "config.secretKey",
    ]);
  });
});

describe("platform key formats", () => {
  it("PostHog: a project key (phc_), not a personal key (phx_)", async () => {
    expect(fieldsIn(await create("posthog", { apiKey: "phx_abc" }))["config.apiKey"]).toMatch(/personal API key/);
    expect(fieldsIn(await create("posthog", { apiKey: "abc" }))["config.apiKey"]).toMatch(/starts with phc_/);
    expect((await create("posthog", { apiKey: "phc_abc123" })).status).toBe(201);
    expect(formErrors("posthog", { apiKey: "phx_abc" })["config.apiKey"]).toMatch(/personal API key/);
  });

  it("Langfuse: sk-lf- and pk-lf-, and says so when the two are swapped", async () => {
    const swapped = fieldsIn(await create("langfuse", { secretKey: "pk-lf-1", publicKey: "sk-lf-2" }));
    expect(swapped["config.secretKey"]).toMatch(/This is the Public Key/);
    expect(swapped["config.publicKey"]).toMatch(/This is the Secret Key/);
    expect((await create("langfuse", { secretKey: "sk-lf-1", publicKey: "pk-lf-2" })).status).toBe(201);
  });

  it("Sentry: a DSN over http is accepted for self-hosted Sentry", async () => {
    const ok = await create("sentry", { otlpEndpoint: "http://sentry.internal:9000/api/7/integration/otlp/v1/traces", dsn: "http://abc@sentry.internal:9000/7" });
    expect(ok.status).toBe(201);
    expect(fieldsIn(await create("sentry", { otlpEndpoint: "https://o1.ingest.sentry.io/api/7/integration/otlp/v1/traces", dsn: "https://o1.ingest.sentry.io/7" }))["config.dsn"]).toMatch(/http:\/\/ for a self-hosted/);
  });

  it("Datadog: an API key (32 hex), not an application key (40)", async () => {
    expect(fieldsIn(await create("datadog", { apiKey: "a".repeat(40), mlApp: "app" }))["config.apiKey"]).toMatch(/application key/);
    expect(fieldsIn(await create("datadog", { apiKey: "dd-key", mlApp: "app" }))["config.apiKey"]).toMatch(/32 hexadecimal/);
    expect((await create("datadog", { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", site: "EU1" })).status).toBe(201);
  });
});

describe("Snowflake", () => {
  const base = { account: "myorg-myaccount", database: "DB", schema: "PUBLIC", table: "TRACES", warehouse: "WH" };

  it("requires only the chosen authentication method's fields", async () => {
    expect(fieldsIn(await create("snowflake", { ...base, authMethod: "pat" }))).toEqual({ "config.token": "Token is required" });
    expect(Object.keys(fieldsIn(await create("snowflake", { ...base, authMethod: "keypair" }))).sort()).toEqual(["config.privateKey", "config.user"]);
    expect(formErrors("snowflake", { ...base, authMethod: "keypair" })).toEqual({ "config.user": "User is required", "config.privateKey": "Private Key is required" });
  });

  it("takes a real PEM private key with its line breaks, and refuses it without them", async () => {
    const key = pem();
    expect(key.split("\n").length).toBeGreaterThan(20);
    const ok = await create("snowflake", { ...base, authMethod: "keypair", user: "TRACECAST", privateKey: key });
    expect(ok.status).toBe(201);
    const flattened = await create("snowflake", { ...base, authMethod: "keypair", user: "TRACECAST", privateKey: key.replace(/\n/g, "") });
    expect(fieldsIn(flattened)["config.privateKey"]).toMatch(/unencrypted RSA private key/);
    expect(fieldsIn(await create("snowflake", { ...base, authMethod: "keypair", user: "U", privateKey: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----" }))["config.privateKey"]).toMatch(/encrypted/);
  });

  it("gives the CREATE TABLE for unsaved values, naming a bad field it needs", async () => {
    const res = await call(setupSql.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "snowflake", config: { database: "ANALYTICS", schema: "LLM", table: "CALLS" } } });
    expect(res.status).toBe(200);
    expect(res.json.sql).toContain("CREATE TABLE IF NOT EXISTS ANALYTICS.LLM.CALLS");
    const bad = await call(setupSql.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "snowflake", config: { table: "drop table;" } } });
    expect(bad.status).toBe(400);
    expect(fieldsIn(bad)["config.table"]).toBeDefined();
    expect((await call(setupSql.POST, { method: "POST", params: { workspaceId: orgId }, body: { type: "posthog", config: {} } })).status).toBe(400);
  });
});

describe("an update that changes nothing", () => {
  it("writes no audit entry and keeps the version; a real change writes both", async () => {
    const created = await create("posthog", { apiKey: "phc_same", endpoint: "https://eu.i.posthog.com" }, "Same");
    const id = created.json.destination?.id ?? created.json.id;
    const patch = (body: unknown) => call(single.PATCH, { method: "PATCH", params: { workspaceId: orgId, destinationId: id }, body });
    const audits = () => prisma.auditEvent.count({ where: { targetId: id, action: "destination.update" } });
    const version = async () => (await prisma.destination.findUniqueOrThrow({ where: { id } })).version;
    const v0 = await version();

    // What the form sends for an untouched destination: its settings and the config with the secret left out.
    const same = await patch({ name: "Same", enabled: false, samplingRate: 1, privacyMode: false, apiKeyInclude: [], apiKeyExclude: [], filterRules: null, config: { endpoint: "https://eu.i.posthog.com", headers: {} } });
    expect(same.status).toBe(200);
    expect(await audits()).toBe(0);
    expect(await version()).toBe(v0);

    expect((await patch({ config: { apiKey: "phc_same" } })).status).toBe(200); // the same secret typed again
    expect(await audits()).toBe(0);

    expect((await patch({ name: "Renamed" })).status).toBe(200);
    expect(await audits()).toBe(1);
    expect(await version()).toBe(v0 + 1);
  });
});

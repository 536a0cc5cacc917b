// Credentials never leave the server in clear: destinations of several types are created with
// distinctive secret values (custom header values among them) through the real route handlers, then every route that shows or uses
// them runs (list, read, update with the mask sent back and partially, test connection saved and
// unsaved, send test trace, delivery log, health, setup SQL, audit, change requests). Every
// response body, every AuditEvent row, ChangeRequest's non-ciphertext columns, the stored
// Destination.config and everything written to console.* must hold no secret, in clear or in
// base64 / base64url / URL-encoded form. The local receivers echo back everything they were sent
// (headers included), the worst case of a platform quoting the request in its error.
//
// Then key rotation: a new key is prepended to TRACECAST_KEYS, rotateAllSecrets (behind
// `npm run keys:rotate`) re-encrypts every ciphertext under it, the old key is removed, and a drain
// still delivers to a webhook receiver with a Standard Webhooks signature made with the original secret.
import util from "node:util";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as audit from "@/app/api/workspaces/[workspaceId]/audit/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as oneRequest from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/route";
import * as requests from "@/app/api/workspaces/[workspaceId]/change-requests/route";
import * as deliveries from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/route";
import * as health from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/health/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as setupSql from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/setup-sql/route";
import * as testSaved from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as testUnsaved from "@/app/api/workspaces/[workspaceId]/destinations/test/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/test-trace/route";
import { keyIdOf } from "@/lib/crypto/keyring";
import { rotateAllSecrets } from "@/lib/crypto/rotate";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { credentialsInHeaders, maskSecretsIn, secretForms } from "@/lib/outbound/masking";
import { openSecrets } from "@/lib/broadcast/stored-config";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser, type Call } from "../support/accounts";
import { makeDue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

// Distinctive values, long enough that a partial mask ("whse...XYZ=") cannot contain them.
const SECRETS = {
  webhook: `whsec_${Buffer.from("tracecast-secrets-suite-webhook-signing-key-1").toString("base64")}`,
  webhookRotated: `whsec_${Buffer.from("tracecast-secrets-suite-webhook-signing-key-2").toString("base64")}`,
  langfuseSecret: "sk-lf-SECRETSUITE-langfuse-secret-7f3a9c",
  langfusePublic: "pk-lf-SECRETSUITE-langfuse-public-2b8d1e",
  langfuseProposed: "sk-lf-SECRETSUITE-proposed-by-member-5e6f",
  s3AccessKeyId: "AKIASECRETSUITE7Q4Z",
  s3SecretAccessKey: "SecretSuite/s3+secret/AccessKey0123456789ab",
  datadogApiKey: "dd0a5ec7e75111e0123456789abcdef0",
  snowflakeToken: "snowflake-pat-SECRETSUITE-ver1-9a8b7c6d5e4f",
  sentryPublicKey: "secretsuitesentrykey0123456789ab",
  // Custom header values (issue #8): a bearer token, a value under a name that does not say "credential", a proposed one.
  headerBearerToken: "sk-live-SECRETSUITE-custom-bearer-token-8e1f",
  headerTenant: "secretsuite-custom-header-tenant-3c7a",
  headerProposed: "secretsuite-proposed-header-value-6b2d",
};
const BEARER_HEADER = `Bearer ${SECRETS.headerBearerToken}`;

/** Each secret and the encodings it could travel in (written out here, not taken from lib's secretForms: this is the oracle). */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString("base64"), Buffer.from(secret).toString("base64url"), encodeURIComponent(secret)];
}
const NEEDLES = [
  ...new Set([
    ...Object.values(SECRETS).flatMap(forms),
    // HTTP Basic credentials are base64 of "public:secret", which contains neither secret's own base64.
    ...forms(`${SECRETS.langfusePublic}:${SECRETS.langfuseSecret}`).slice(1),
    // Likewise the encodings of the whole "Bearer …" header value.
    ...forms(BEARER_HEADER).slice(1),
  ]),
];

function leaksIn(text: string): string[] {
  return NEEDLES.filter((needle) => text.includes(needle));
}

// ── what the suite collects ──
const responses: { what: string; text: string }[] = [];
const consoleOutput: string[] = [];

async function api(what: string, handler: Parameters<typeof call>[0], c: Call = {}) {
  const res = await call(handler, c);
  responses.push({ what, text: `${JSON.stringify([...res.headers])}\n${JSON.stringify(res.json)}` });
  return res;
}

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let orgId: string;
let echo: Receiver;
let webhookReceiver: Receiver;
const ids: Record<string, string> = {};
const originalKeys = process.env.TRACECAST_KEYS;

const ws = () => ({ workspaceId: orgId });
const dp = (name: string) => ({ workspaceId: orgId, destinationId: ids[name] });

beforeAll(async () => {
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    // inspect with full depth: an Error's cause or a nested request object is output too.
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(args.map((a) => (typeof a === "string" ? a : util.inspect(a, { depth: null, showHidden: true }))).join(" "));
    });
  }
  // Answers 401 quoting the whole request: what a leaky platform error could contain.
  echo = await startReceiver();
  echo.handle((req, res) => {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "unauthorized", youSent: { url: req.url, headers: req.headers, body: req.body.slice(0, 4000) } }));
  });
  webhookReceiver = await startReceiver();
  owner = await createUser("secrets-owner");
  member = await createUser("secrets-member");
  orgId = (await createOrganization(owner, "Secrets Inc")).id;
  await addMembership(orgId, member, "member");
});

afterAll(async () => {
  process.env.TRACECAST_KEYS = originalKeys;
  vi.restoreAllMocks();
  await echo.close();
  await webhookReceiver.close();
});

const CONFIGS = () => ({
  webhook: { url: `${webhookReceiver.url}/hook`, secret: SECRETS.webhook, headers: { "X-Tenant": SECRETS.headerTenant } },
  langfuse: {
    secretKey: SECRETS.langfuseSecret,
    publicKey: SECRETS.langfusePublic,
    baseUrl: `${echo.url}/langfuse`,
    headers: { "X-Upstream-Authorization": BEARER_HEADER },
  },
  s3: {
    bucketName: "secret-suite-bucket",
    region: "us-east-1",
    endpoint: `${echo.url}/s3`,
    accessKeyId: SECRETS.s3AccessKeyId,
    secretAccessKey: SECRETS.s3SecretAccessKey,
  },
  datadog: {
    apiKey: SECRETS.datadogApiKey,
    mlApp: "secret-suite",
    url: `${echo.url}/datadog`,
    headers: { Authorization: BEARER_HEADER, "X-Tenant": SECRETS.headerTenant },
  },
  snowflake: { account: "secretsuite-account", token: SECRETS.snowflakeToken },
  sentry: {
    otlpEndpoint: `${echo.url}/api/4242/integration/otlp/v1/traces`,
    dsn: `https://${SECRETS.sentryPublicKey}@${new URL(echo.url).host}/4242`,
  },
});

describe("secrets stay masked everywhere", () => {
  it("creates, reads, updates, tests and proposes changes without any secret coming out", async () => {
    actAs(owner);
    for (const [type, config] of Object.entries(CONFIGS())) {
      const res = await api(`create ${type}`, list.POST, { method: "POST", params: ws(), body: { type, name: `${type} secrets`, config } });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      ids[type] = res.json.destination.id;
    }

    await api("list", list.GET, { params: ws() });
    for (const type of Object.keys(ids)) {
      const read = await api(`read ${type}`, one.GET, { params: dp(type) });
      expect(read.status).toBe(200);
      // Sending the masked form back unchanged keeps the stored secret.
      const unchanged = await api(`update ${type} with masked values`, one.PATCH, { method: "PATCH", params: dp(type), body: { config: read.json.destination.config } });
      expect(unchanged.status, JSON.stringify(unchanged.json)).toBe(200);
      await api(`health ${type}`, health.GET, { params: dp(type) });
      await api(`setup-sql ${type}`, setupSql.GET, { params: dp(type) });
    }
    // A partial update touching no secret.
    const renamed = await api("partial update", one.PATCH, { method: "PATCH", params: dp("datadog"), body: { config: { mlApp: "secret-suite-2" } } });
    expect(renamed.status).toBe(200);
    const stored = await prisma.destination.findUniqueOrThrow({ where: { id: ids.datadog } });
    expect(openSecrets(stored.id, stored.secrets)).toEqual({ apiKey: SECRETS.datadogApiKey, headers: { Authorization: BEARER_HEADER, "X-Tenant": SECRETS.headerTenant } });

    // Test connection: saved, unsaved with fresh values, unsaved with masked values of a saved one.
    // Snowflake's host is <account>.snowflakecomputing.com, outside loopback: not contacted here.
    for (const type of ["webhook", "langfuse", "s3", "datadog", "sentry"]) {
      const saved = await api(`test saved ${type}`, testSaved.POST, { method: "POST", params: dp(type) });
      expect(saved.status, JSON.stringify(saved.json)).toBe(200);
      const config = CONFIGS()[type as keyof ReturnType<typeof CONFIGS>];
      const unsaved = await api(`test unsaved ${type}`, testUnsaved.POST, { method: "POST", params: ws(), body: { type, config } });
      expect(unsaved.status, JSON.stringify(unsaved.json)).toBe(200);
      const masked = (await call(one.GET, { params: dp(type) })).json.destination.config;
      const editing = await api(`test editing ${type}`, testUnsaved.POST, { method: "POST", params: ws(), body: { type, config: masked, destinationId: ids[type] } });
      expect(editing.status, JSON.stringify(editing.json)).toBe(200);
    }
    // The echo receiver got the credentials (so their absence in the answers is the masking's doing).
    expect(echo.requests.some((r) => JSON.stringify(r.headers).includes(SECRETS.datadogApiKey))).toBe(true);
    expect(echo.requests.some((r) => r.headers.authorization === BEARER_HEADER && r.headers["x-tenant"] === SECRETS.headerTenant)).toBe(true);

    // Send test trace through the pipeline, deliver it (the echo receivers answer 401), read the logs.
    const sent = await api("send test trace", testTrace.POST, { method: "POST", params: ws() });
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    for (const type of Object.keys(ids)) {
      await drainDestination(ids[type]);
      await api(`delivery log ${type}`, deliveries.GET, { params: dp(type) });
      await api(`health after delivery ${type}`, health.GET, { params: dp(type) });
    }
    const failedDelivery = await prisma.delivery.findFirst({ where: { destinationId: ids.datadog, lastError: { not: null } } });
    expect(failedDelivery?.lastError).toContain("401");

    // A member proposes a new secret and a new header (the saved one sent back masked); everyone
    // lists and reads the request; an admin approves it.
    actAs(member);
    const savedHeaders = (await call(one.GET, { params: dp("langfuse") })).json.destination.config.headers;
    const proposed = await api("member proposes", one.PATCH, {
      method: "PATCH",
      params: dp("langfuse"),
      body: { config: { secretKey: SECRETS.langfuseProposed, headers: { ...savedHeaders, "X-Proposed": SECRETS.headerProposed } } },
    });
    expect(proposed.status, JSON.stringify(proposed.json)).toBe(202);
    const requestId: string = proposed.json.changeRequest.id;
    await api("member lists requests", requests.GET, { params: ws() });
    await api("member reads request", oneRequest.GET, { params: { workspaceId: orgId, changeRequestId: requestId } });
    actAs(owner);
    await api("owner lists requests", requests.GET, { params: ws() });
    const approved = await api("owner approves", approve.POST, { method: "POST", params: { workspaceId: orgId, changeRequestId: requestId } });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    const langfuse = await prisma.destination.findUniqueOrThrow({ where: { id: ids.langfuse } });
    expect(openSecrets(langfuse.id, langfuse.secrets)).toMatchObject({
      secretKey: SECRETS.langfuseProposed,
      publicKey: SECRETS.langfusePublic,
      headers: { "X-Upstream-Authorization": BEARER_HEADER, "X-Proposed": SECRETS.headerProposed },
    });

    await api("audit", audit.GET, { params: ws() });
    await api("audit export", audit.GET, { params: ws(), search: { format: "json" } });
  });

  it("finds no secret in any response, audit row, change request, stored config or console output", async () => {
    expect(responses.length).toBeGreaterThan(40);
    // Every place is checked before failing, so one run lists every leak.
    const leaks: { where: string; needles: string[] }[] = [];
    const check = (where: string, text: string) => {
      const needles = leaksIn(text);
      if (needles.length) leaks.push({ where, needles });
    };
    for (const { what, text } of responses) check(`response: ${what}`, text);

    const auditRows = await prisma.auditEvent.findMany({ where: { workspaceId: orgId } });
    expect(auditRows.length).toBeGreaterThan(10);
    for (const row of auditRows) check(`audit ${row.action}`, JSON.stringify(row));

    const changeRequests = await prisma.changeRequest.findMany({ where: { workspaceId: orgId }, omit: { secrets: true } });
    expect(changeRequests.length).toBe(1);
    for (const row of changeRequests) check("change request", JSON.stringify(row));

    const destinations = await prisma.destination.findMany({ where: { workspaceId: orgId }, omit: { secrets: true } });
    for (const row of destinations) check(`destination ${row.type}`, JSON.stringify(row));

    const deliveryRows = await prisma.delivery.findMany({ where: { workspaceId: orgId } });
    for (const row of deliveryRows) check(`delivery row ${row.destinationId}`, JSON.stringify(row));
    // Every request's record, with the platform's answer (the receivers quote the request back).
    const attemptRows = await prisma.deliveryAttempt.findMany({ where: { workspaceId: orgId } });
    expect(attemptRows.length).toBeGreaterThan(0);
    for (const row of attemptRows) check(`delivery attempt ${row.destinationId}`, JSON.stringify(row, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value)));

    check("console", consoleOutput.join("\n"));
    expect(leaks).toEqual([]);
  });
});

describe("masking of derived credentials", () => {
  it("finds the credential parts of Basic, Bearer and parameter-style auth headers", () => {
    const basic = Buffer.from(`${SECRETS.langfusePublic}:${SECRETS.langfuseSecret}`).toString("base64");
    const found = credentialsInHeaders({
      Authorization: `Basic ${basic}`,
      "x-sentry-auth": `sentry sentry_key=${SECRETS.sentryPublicKey}, sentry_version=7`,
      "content-type": "application/json",
    });
    expect(found).toEqual(expect.arrayContaining([basic, SECRETS.sentryPublicKey]));
    expect(found).not.toContain("application/json");
    expect(found.every((part) => part.length >= 8)).toBe(true);
  });

  it("masks a secret quoted in base64, base64url or URL-encoded form", () => {
    const secret = SECRETS.s3SecretAccessKey;
    const quoted = `got ${Buffer.from(secret).toString("base64")} and ${Buffer.from(secret).toString("base64url")} and ?k=${encodeURIComponent(secret)}`;
    expect(leaksIn(maskSecretsIn(quoted, secretForms([secret])))).toEqual([]);
  });
});

describe("key rotation", () => {
  it("re-encrypts every ciphertext under a new key, and delivery works after the old key is gone", async () => {
    const oldRing = process.env.TRACECAST_KEYS!;
    const newKey = `rotated:${crypto.randomBytes(32).toString("base64")}`;
    // keyRing() re-reads TRACECAST_KEYS whenever it changes: no cache to reset.
    process.env.TRACECAST_KEYS = `${newKey},${oldRing}`;
    const report = await rotateAllSecrets(prisma);
    expect(report.activeKeyId).toBe("rotated");
    const destinations = await prisma.destination.findMany({ where: { secrets: { not: null } } });
    expect(report.reencrypted.destination).toBe(destinations.length);
    const changeRequests = await prisma.changeRequest.findMany({ where: { secrets: { not: null } } });
    for (const row of [...destinations, ...changeRequests]) expect(keyIdOf(row.secrets!)).toBe("rotated");

    process.env.TRACECAST_KEYS = newKey;
    webhookReceiver.requests.length = 0;
    actAs(owner);
    const sent = await api("test trace after rotation", testTrace.POST, { method: "POST", params: ws() });
    expect(sent.status).toBe(202);
    await makeDue(ids.webhook);
    const drained = await drainDestination(ids.webhook);
    expect(drained.delivered).toBeGreaterThanOrEqual(1);
    const delivered = webhookReceiver.requests.at(-1)!;
    const headers = Object.fromEntries(Object.entries(delivered.headers).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook(SECRETS.webhook).verify(delivered.body, headers)).not.toThrow();
    expect(() => new Webhook(SECRETS.webhookRotated).verify(delivered.body, headers)).toThrow();
    expect(headers["x-tenant"]).toBe(SECRETS.headerTenant);
    expect(leaksIn(consoleOutput.join("\n")), "console").toEqual([]);
  });
});

// The management API as OpenRouter's own TypeScript SDK (@openrouter/sdk, pinned) sees it: the SDK
// is pointed at the real route handlers on 127.0.0.1 with a management key, and parses every
// answer with its own schemas, so a wire shape that differs from OpenRouter's fails here.
import { OpenRouter } from "@openrouter/sdk";
import type { CreateObservabilityDestinationRequest } from "@openrouter/sdk/models";
import * as sdkErrors from "@openrouter/sdk/models/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { storedConfigOf } from "@/lib/broadcast/stored-config";
import { addMembership, createOrganization, createUser } from "../support/accounts";
import { destinationCount, managementKeyOf, serveManagementApi, type ApiServer } from "../support/management-api";

const RECEIVER = "http://127.0.0.1:9";

/** A valid config per registered type (nothing is sent: creating a destination does not contact it). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  arize: { apiKey: "ak-arize-0123456789", spaceKey: "space", modelId: "model", baseUrl: RECEIVER },
  phoenix: { baseUrl: RECEIVER, apiKey: "phx-key-0123456789", projectName: "support-bot" },
  braintrust: { apiKey: "sk-braintrust-0123456789", projectId: "project", baseUrl: RECEIVER },
  clickhouse: { host: RECEIVER, database: "default", table: "traces", username: "default", password: "ch-password-0123" },
  opik: { apiKey: "opik-key-0123456789", workspace: "w", projectName: "p", baseUrl: `${RECEIVER}/opik/api` },
  datadog: { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: RECEIVER },
  dynatrace: { environmentUrl: RECEIVER, apiToken: "dt0c01.token-0123456789" },
  firehose: { streamName: "traces", region: "us-east-1", endpoint: RECEIVER, accessKeyId: "AKIA0123456789", secretAccessKey: "firehose-secret-0123456789" },
  galileo: { apiKey: "galileo-key-0123456789", projectId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", logStreamId: "5fa85f64-5717-4562-b3fc-2c963f66afa7", baseUrl: RECEIVER },
  grafana: { baseUrl: RECEIVER, instanceId: "12345", apiKey: "glc_0123456789abcdef" },
  helicone: { apiKey: "sk-helicone-0123456789", baseUrl: RECEIVER },
  keywordsai: { apiKey: "kw-key-0123456789", baseUrl: RECEIVER },
  langfuse: { secretKey: "sk-lf-0123456789AbCd", publicKey: "pk-lf-0123456789EfGh", baseUrl: RECEIVER },
  langsmith: { apiKey: "lsv2-0123456789", endpoint: RECEIVER },
  middleware: { baseUrl: RECEIVER, accountKey: "mw-key-0123456789" },
  newrelic: { licenseKey: "nr-license-0123456789" },
  "otel-collector": { endpoint: `${RECEIVER}/v1/traces`, headers: { Authorization: "Bearer collector-token-0123" } },
  postgres: { connectionString: "postgresql://tracecast:pg-password-0123@127.0.0.1:9/traces", table: "analytics.llm_traces", tlsMode: "require" },
  posthog: { apiKey: "phc_0123456789abcdef", endpoint: RECEIVER },
  ramp: { apiKey: "ramp-key-0123456789", baseUrl: RECEIVER },
  s3: { bucketName: "traces", region: "us-east-1", endpoint: RECEIVER, accessKeyId: "AKIA0123456789", secretAccessKey: "s3-secret-0123456789" },
  sentry: { otlpEndpoint: `${RECEIVER}/api/1/integration/otlp/v1/traces`, dsn: "https://publickey0123@127.0.0.1:9/1" },
  snowflake: { account: "acme", token: "snowflake-token-0123456789" },
  supabase: { projectUrl: RECEIVER, apiKey: "sb_secret_0123456789abcdef", schema: "public", table: "llm_traces" },
  weave: { apiKey: "wandb-key-0123456789", entity: "e", project: "p", baseUrl: RECEIVER },
  webhook: { url: `${RECEIVER}/hook`, headers: { "X-Token": "webhook-token-0123" } },
};

let server: ApiServer;
let owner: Awaited<ReturnType<typeof createUser>>;
let orgId: string;
let ownerKey: string;
let memberKey: string;
let ingestKeyHash: string;

/** Tracecast's destinations beyond OpenRouter's list: the SDK cannot know their type. */
const BEYOND_OPENROUTER = new Set(["dynatrace", "firehose", "galileo", "helicone", "keywordsai", "middleware", "phoenix", "postgres", "supabase"]);

type Parsed = Record<string, unknown> & { id: string; config: Record<string, unknown> };
/**
 * A destination as the SDK parsed it. A type the SDK does not know comes through its
 * forward-compatible union as `{ type: "UNKNOWN", isUnknown: true, raw }`, raw being the wire record
 * (snake_case keys, camel-cased here like the SDK does for the types it knows).
 */
function recordOf(type: string, parsed: unknown): Parsed {
  const unknown = (parsed as { isUnknown?: boolean }).isUnknown === true;
  expect(unknown, `the SDK parses ${type} as ${unknown ? "UNKNOWN" : "known"}`).toBe(BEYOND_OPENROUTER.has(type));
  if (!unknown) return parsed as Parsed;
  const raw = (parsed as { raw: Record<string, unknown> }).raw;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v])) as Parsed;
}

/** The official client, pointed only at the local server; no retries (a retried 5xx would hide the answer). */
/** observability.create with the request as the SDK nests it. */
const create = (client: OpenRouter, request: CreateObservabilityDestinationRequest) => client.observability.create({ createObservabilityDestinationRequest: request });
const sdk = (apiKey: string) => new OpenRouter({ apiKey, serverURL: `${server.url}/api/v1`, retryConfig: { strategy: "none" } });

beforeAll(async () => {
  server = await serveManagementApi();
  owner = await createUser("sdk-owner");
  const member = await createUser("sdk-member");
  orgId = (await createOrganization(owner, "SDK org")).id;
  await addMembership(orgId, member, "member");
  ownerKey = await managementKeyOf(owner, orgId);
  // A member cannot create a key; one made by an admin later lowered to member acts as a member.
  const admin = await createUser("sdk-demoted");
  await addMembership(orgId, admin, "admin");
  memberKey = await managementKeyOf(admin, orgId, "Demoted");
  await prisma.membership.update({ where: { workspaceId_userId: { workspaceId: orgId, userId: admin.id } }, data: { role: "member" } });
  const { apiKey } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: orgId, name: "Production", actor: owner }));
  ingestKeyHash = apiKey.hash;
});
afterAll(() => server?.close());

describe("observability.* of @openrouter/sdk against Tracecast", () => {
  it("has a config for every registered destination type", () => {
    expect(Object.keys(CONFIGS).sort()).toEqual([...DESTINATIONS.keys()].sort());
  });

  it.each(Object.keys(CONFIGS))("creates, gets, updates, lists and deletes a %s destination", async (type) => {
    const client = sdk(ownerKey);
    const created = await create(client, {
      type: type as never,
      name: `SDK ${type}`,
      config: CONFIGS[type],
      samplingRate: 0.5,
      privacyMode: true,
      apiKeyHashes: [ingestKeyHash],
      regions: ["eu", "us"],
      broadcastGenerationCost: true,
    });
    const destination = recordOf(type, created.data);
    expect(destination).toMatchObject({
      type,
      name: `SDK ${type}`,
      samplingRate: 0.5,
      privacyMode: true,
      enabled: true,
      apiKeyHashes: [ingestKeyHash],
      regions: ["europe", "us"],
      broadcastGenerationCost: true,
      broadcastGenerationIdentity: false,
      workspaceId: orgId,
    });
    // No secret comes back in clear.
    const body = JSON.stringify(destination.config);
    for (const value of Object.values(CONFIGS[type])) {
      if (typeof value === "string" && /0123/.test(value)) expect(body).not.toContain(value);
    }
    const stored = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(stored).toMatchObject({ workspaceId: orgId, samplingRate: 0.5, regions: ["europe", "us"], broadcastGenerationCost: true });

    const got = await client.observability.get({ id: destination.id });
    expect(recordOf(type, got.data)).toMatchObject({ id: destination.id, type, name: `SDK ${type}` });

    // Masked secrets sent back keep their value; only the fields sent change.
    const updated = await client.observability.update({
      id: destination.id,
      updateObservabilityDestinationRequest: { name: `SDK ${type} renamed`, enabled: false, apiKeyHashes: null, config: destination.config },
    });
    expect(recordOf(type, updated.data)).toMatchObject({ name: `SDK ${type} renamed`, enabled: false, apiKeyHashes: null, samplingRate: 0.5 });
    const after = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(storedConfigOf(after)).toEqual(storedConfigOf(stored));
    expect(after.apiKeyInclude).toEqual([]);

    const page = await client.observability.list({ limit: 100 });
    const listed = page.result.data.find((d) => ((d as { raw?: Parsed }).raw ?? (d as Parsed)).id === destination.id);
    expect(recordOf(type, listed)).toMatchObject({ id: destination.id, type });

    const deleted = await client.observability.delete({ id: destination.id });
    expect(deleted).toEqual({ deleted: true });
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } })).deletedAt).not.toBeNull();
    await expect(client.observability.get({ id: destination.id })).rejects.toBeInstanceOf(sdkErrors.NotFoundResponseError);
  });

  it("pages with offset and limit, with the total count, and the SDK's iterator walks every page", async () => {
    const client = sdk(ownerKey);
    for (let i = 0; i < 5; i++) await create(client, { type: "webhook", name: `Paged ${i}`, config: { url: `${RECEIVER}/p${i}` } });
    const total = await destinationCount(orgId);
    expect(total).toBe(5);
    const first = await client.observability.list({ limit: 2 });
    expect(first.result.totalCount).toBe(5);
    expect(first.result.data.map((d) => (d as { name: string }).name)).toEqual(["Paged 0", "Paged 1"]);
    const third = await client.observability.list({ limit: 2, offset: 4 });
    expect(third.result.data.map((d) => (d as { name: string }).name)).toEqual(["Paged 4"]);
    const names: string[] = [];
    for await (const page of await client.observability.list({ limit: 2 })) names.push(...page.result.data.map((d) => (d as { name: string }).name));
    expect(names).toEqual(["Paged 0", "Paged 1", "Paged 2", "Paged 3", "Paged 4"]);
    const tooMany = await fetch(`${server.url}/api/v1/observability/destinations?limit=101`, { headers: { authorization: `Bearer ${ownerKey}` } });
    expect(tooMany.status).toBe(400);
  });

  it("surfaces 401 for a missing, unknown, revoked or ingest key", async () => {
    const unknown = `tcm_${"A".repeat(43)}`;
    const err = await sdk(unknown).observability.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(sdkErrors.UnauthorizedResponseError);
    expect((err as sdkErrors.UnauthorizedResponseError).error).toMatchObject({ code: 401, message: "Invalid or revoked management key" });
    const { secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: orgId, name: "Ingest only", actor: owner }));
    const ingest = await sdk(secret).observability.list().catch((e: unknown) => e);
    expect(ingest).toBeInstanceOf(sdkErrors.UnauthorizedResponseError);
    expect((ingest as Error).message).toMatch(/ingest key/);
  });

  it("surfaces 404 for a destination of another workspace and for an unknown id", async () => {
    const stranger = await createUser("sdk-stranger");
    const theirs = await create(sdk(await managementKeyOf(stranger, stranger.personalWorkspaceId)), {
      type: "webhook",
      name: "Theirs",
      config: { url: `${RECEIVER}/theirs` },
    });
    const id = (theirs.data as { id: string }).id;
    for (const call of [
      () => sdk(ownerKey).observability.get({ id }),
      () => sdk(ownerKey).observability.update({ id, updateObservabilityDestinationRequest: { name: "Mine now" } }),
      () => sdk(ownerKey).observability.delete({ id }),
      () => sdk(ownerKey).observability.get({ id: "no-such-destination" }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(sdkErrors.NotFoundResponseError);
      expect((err as sdkErrors.NotFoundResponseError).error.code).toBe(404);
    }
    expect((await prisma.destination.findUniqueOrThrow({ where: { id } })).name).toBe("Theirs");
    const otherWorkspace = await sdk(ownerKey).observability.list({ workspaceId: stranger.personalWorkspaceId }).catch((e: unknown) => e);
    // The SDK maps only 400, 401 and 500 of list to classes of their own: a 404 is its default error.
    expect(otherWorkspace).toBeInstanceOf(sdkErrors.OpenRouterError);
    expect((otherWorkspace as sdkErrors.OpenRouterError).statusCode).toBe(404);
  });

  it("surfaces 400 naming the field for an invalid config, an unknown type or an unknown API key hash, and stores nothing", async () => {
    const before = await destinationCount(orgId);
    const client = sdk(ownerKey);
    const badConfig = await create(client, { type: "langfuse", name: "Bad", config: { baseUrl: RECEIVER } }).catch((e: unknown) => e);
    expect(badConfig).toBeInstanceOf(sdkErrors.BadRequestResponseError);
    expect((badConfig as sdkErrors.BadRequestResponseError).error.code).toBe(400);
    expect((badConfig as Error).message).toMatch(/config\.(secretKey|publicKey)/);
    const badType = await create(client, { type: "splunk" as never, name: "Bad", config: {} }).catch((e: unknown) => e);
    expect(badType).toBeInstanceOf(sdkErrors.BadRequestResponseError);
    expect((badType as Error).message).toMatch(/Unknown destination type "splunk"/);
    const badHash = await create(client, { type: "webhook", name: "Bad", config: { url: `${RECEIVER}/x` }, apiKeyHashes: ["0".repeat(64)] })
      .catch((e: unknown) => e);
    expect(badHash).toBeInstanceOf(sdkErrors.BadRequestResponseError);
    expect((badHash as sdkErrors.BadRequestResponseError).error.metadata).toMatchObject({ fields: [{ path: "api_key_hashes" }] });
    const noRegion = await create(client, { type: "webhook", name: "Bad", config: { url: `${RECEIVER}/x` }, regions: [] }).catch((e: unknown) => e);
    expect((noRegion as sdkErrors.BadRequestResponseError).error.metadata).toMatchObject({ fields: [{ path: "regions", message: "At least one region" }] });
    const noHashes = await create(client, { type: "webhook", name: "Bad", config: { url: `${RECEIVER}/x` }, apiKeyHashes: [] }).catch((e: unknown) => e);
    expect((noHashes as Error).message).toMatch(/api_key_hashes: Must contain at least one hash; send null for every key/);
    const badRate = await create(client, { type: "webhook", name: "Bad", config: { url: `${RECEIVER}/x` }, samplingRate: 2 }).catch((e: unknown) => e);
    expect((badRate as Error).message).toMatch(/sampling_rate/);
    expect(await destinationCount(orgId)).toBe(before);
  });

  it("turns a change made with a member's key into a change request (202 with its id) and changes nothing", async () => {
    const before = await destinationCount(orgId);
    const res = await fetch(`${server.url}/api/v1/observability/destinations`, {
      method: "POST",
      headers: { authorization: `Bearer ${memberKey}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "otel-collector", name: "Proposed", config: { endpoint: `${RECEIVER}/v1/traces` } }),
    });
    expect(res.status).toBe(202);
    const { change_request } = (await res.json()) as { change_request: { id: string; status: string; action: string } };
    expect(change_request).toMatchObject({ status: "pending", action: "destination.create" });
    expect(await destinationCount(orgId)).toBe(before);
    const stored = await prisma.changeRequest.findUniqueOrThrow({ where: { id: change_request.id } });
    expect(stored.workspaceId).toBe(orgId);
    // The SDK knows no such state: it reports the 202 as an error carrying the body.
    const viaSdk = await create(sdk(memberKey), { type: "otel-collector", name: "Proposed 2", config: { endpoint: `${RECEIVER}/v2/traces` } })
      .catch((e: unknown) => e);
    expect(viaSdk).toBeInstanceOf(sdkErrors.OpenRouterError);
    expect((viaSdk as sdkErrors.OpenRouterError).statusCode).toBe(202);
    expect((viaSdk as sdkErrors.OpenRouterError).body).toContain("change_request");
    // Reads need no approval.
    const list = await sdk(memberKey).observability.list();
    expect(list.result.totalCount).toBe(before);
  });
});

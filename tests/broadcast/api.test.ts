// The destinations API through its route handlers: masking, validation, limits, governance,
// test connection, test trace, pause/resume, retry/replay, log and health.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import * as broadcast from "@/app/api/workspaces/[workspaceId]/broadcast/route";
import * as types from "@/app/api/workspaces/[workspaceId]/destination-types/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as deliveries from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/route";
import * as health from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/health/route";
import * as pause from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/pause/route";
import * as replay from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/replay/route";
import * as resume from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/resume/route";
import * as retryFailed from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/retry-failed/route";
import * as setupSql from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/setup-sql/route";
import * as testSaved from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as testUnsaved from "@/app/api/workspaces/[workspaceId]/destinations/test/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/test-trace/route";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { openSecrets } from "@/lib/broadcast/stored-config";
import { generateWebhookSecret } from "@/lib/destinations/webhook";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { apiKeyContext, deliveriesOf, enqueue, makeDue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let admin: User;
let member: User;
let outsider: User;
let orgId: string;
let otherOrgId: string;
let receiver: Receiver;

beforeAll(async () => {
  owner = await createUser("owner");
  admin = await createUser("admin");
  member = await createUser("member");
  outsider = await createUser("outsider");
  orgId = (await createOrganization(owner, "Acme")).id;
  await addMembership(orgId, admin, "admin");
  await addMembership(orgId, member, "member");
  otherOrgId = (await createOrganization(outsider, "Globex")).id;
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  actAs(owner);
  receiver.handle((_req, res) => res.end("ok"));
});

const ws = (workspaceId = orgId) => ({ workspaceId });
const dp = (destinationId: string, workspaceId = orgId) => ({ workspaceId, destinationId });

async function createWebhook(overrides: Record<string, unknown> = {}, workspaceId = orgId) {
  const secret = generateWebhookSecret();
  const res = await call(list.POST, {
    method: "POST",
    params: ws(workspaceId),
    body: { type: "webhook", name: "Hook", config: { url: `${receiver.url}/hook`, secret }, ...overrides },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { id: res.json.destination.id as string, secret, view: res.json.destination };
}

/** Each test starts without destinations or traces (users and workspaces are shared). */
async function cleanDestinations() {
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
}

describe("catalog and broadcast switch", () => {
  it("lists the destination types with their fields, secrets flagged", async () => {
    const res = await call(types.GET, { params: ws() });
    expect(res.status).toBe(200);
    const webhook = res.json.types.find((t: { type: string }) => t.type === "webhook");
    expect(webhook).toMatchObject({ name: "Webhook", category: "Custom", hasSetupSql: false });
    expect(webhook.fields.find((f: { key: string }) => f.key === "secret")).toMatchObject({ secret: true, required: false });
    expect(res.json.types.some((t: { hasSetupSql: boolean }) => t.hasSetupSql)).toBe(true);
  });

  it("turns broadcast off and on, audited; while off, ingested traces are not routed", async () => {
    await cleanDestinations();
    await createWebhook();
    expect((await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } })).json).toEqual({ enabled: false });
    expect((await call(broadcast.GET, { params: ws() })).json).toEqual({ enabled: false });
    const { acceptTraces } = await import("@/lib/ingest");
    const { traceInput } = await import("@/lib/traces/schema");
    const ctx = await apiKeyContext(orgId);
    const input = traceInput.parse({ model: "m", request: { messages: [] }, timing: { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" } });
    expect((await acceptTraces(ctx, [input])).routed).toBe(0);
    await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: true } });
    const events = await prisma.auditEvent.findMany({ where: { workspaceId: orgId, action: "broadcast.set" }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.after)).toEqual([{ broadcastEnabled: false }, { broadcastEnabled: true }]);
    expect((await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: "yes" } })).json.error.fields[0].path).toBe("enabled");
  });
});

describe("secrets are write-only", () => {
  it("never returns a secret, stores it encrypted, and audits masked values", async () => {
    await cleanDestinations();
    const { id, secret, view } = await createWebhook();
    expect(view.config.secret).toBe(`${secret.slice(0, 4)}...${secret.slice(-4)}`);
    expect(view.config.url).toBe(`${receiver.url}/hook`);

    const responses = [
      await call(list.GET, { params: ws() }),
      await call(one.GET, { params: dp(id) }),
      await call(one.PATCH, { method: "PATCH", params: dp(id), body: { name: "Renamed" } }),
      await call(pause.POST, { method: "POST", params: dp(id) }),
      await call(resume.POST, { method: "POST", params: dp(id) }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.json)).not.toContain(secret);
    }
    const row = await prisma.destination.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row.config)).not.toContain(secret);
    expect(row.secrets).toMatch(/^v1:test1:/);
    expect(row.secrets).not.toContain(secret);
    expect(openSecrets(id, row.secrets)).toEqual({ secret });
    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: orgId, targetId: id } });
    expect(audit.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it("keeps the stored secret when an update sends it back masked or omits it, replaces it when new", async () => {
    await cleanDestinations();
    const { id, secret, view } = await createWebhook();
    const masked = view.config.secret;

    let res = await call(one.PATCH, { method: "PATCH", params: dp(id), body: { config: { ...view.config, method: "PUT", secret: masked } } });
    expect(res.status).toBe(200);
    expect(res.json.destination).toMatchObject({ version: 2, config: { method: "PUT", secret: masked } });
    let row = await prisma.destination.findUniqueOrThrow({ where: { id } });
    expect(openSecrets(id, row.secrets)).toEqual({ secret });

    res = await call(one.PATCH, { method: "PATCH", params: dp(id), body: { config: { method: "POST" } } });
    expect(res.json.destination.version).toBe(3);
    row = await prisma.destination.findUniqueOrThrow({ where: { id } });
    expect(openSecrets(id, row.secrets)).toEqual({ secret });
    expect(row.config).toMatchObject({ url: `${receiver.url}/hook`, method: "POST" });

    const fresh = generateWebhookSecret();
    await call(one.PATCH, { method: "PATCH", params: dp(id), body: { config: { secret: fresh } } });
    row = await prisma.destination.findUniqueOrThrow({ where: { id } });
    expect(openSecrets(id, row.secrets)).toEqual({ secret: fresh });

    // null removes an optional secret.
    await call(one.PATCH, { method: "PATCH", params: dp(id), body: { config: { secret: null } } });
    row = await prisma.destination.findUniqueOrThrow({ where: { id } });
    expect(row.secrets).toBeNull();

    const updates = await prisma.auditEvent.findMany({ where: { targetId: id, action: "destination.update" }, orderBy: { createdAt: "asc" } });
    expect(updates[0].before).toMatchObject({ config: { method: "POST" } });
    expect(updates[0].after).toMatchObject({ config: { method: "PUT", secret: masked } });
  });
});

describe("validation", () => {
  it("answers 400 naming the field", async () => {
    await cleanDestinations();
    const post = (body: unknown) => call(list.POST, { method: "POST", params: ws(), body });
    const paths = async (body: unknown) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      return res.json.error.fields.map((f: { path: string }) => f.path);
    };
    expect(await paths({ type: "nope", name: "x", config: {} })).toEqual(["type"]);
    expect(await paths({ type: "webhook", name: "x", config: { url: "ftp://x" } })).toContain("config.url");
    expect(await paths({ type: "webhook", name: "x", config: { url: receiver.url, secret: "plain" } })).toContain("config.secret");
    expect(await paths({ type: "webhook", name: "x", config: { url: receiver.url }, samplingRate: 0 })).toContain("samplingRate");
    expect(await paths({ type: "webhook", name: "", config: { url: receiver.url } })).toContain("name");
    expect(await paths({ type: "webhook", name: "x", config: { url: receiver.url }, filterRules: { groups: [{ rules: [{ field: "nope", operator: "equals", value: "x" }] }] } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^filterRules\./)]),
    );
    // API keys of another workspace are refused.
    const foreignKey = (await apiKeyContext(otherOrgId)).apiKey.id;
    expect(await paths({ type: "webhook", name: "x", config: { url: receiver.url }, apiKeyExclude: [foreignKey] })).toEqual(["apiKeyExclude"]);
    const ownKey = (await apiKeyContext(orgId)).apiKey.id;
    expect((await post({ type: "webhook", name: "x", config: { url: receiver.url }, apiKeyInclude: [ownKey] })).status).toBe(201);
  });

  it("allows at most 5 destinations per type", async () => {
    await cleanDestinations();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createWebhook({ name: `Hook ${i}` })).id);
    const sixth = await call(list.POST, { method: "POST", params: ws(), body: { type: "webhook", name: "6", config: { url: receiver.url } } });
    expect(sixth.status).toBe(409);
    expect(sixth.json.error.code).toBe("limit_reached");
    expect((await call(one.DELETE, { method: "DELETE", params: dp(ids[0]) })).status).toBe(204);
    expect((await call(one.GET, { params: dp(ids[0]) })).status).toBe(404);
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: ids[0] } })).deletedAt).toBeInstanceOf(Date);
    await createWebhook({ name: "replacement" });
  });
});

describe("governance", () => {
  it("a member of an organization reads, and every change becomes a change request; an admin applies", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    actAs(member);
    expect((await call(list.GET, { params: ws() })).status).toBe(200);
    expect((await call(health.GET, { params: dp(id) })).status).toBe(200);
    const changes = [
      call(list.POST, { method: "POST", params: ws(), body: { type: "webhook", name: "m", config: { url: receiver.url } } }),
      call(one.PATCH, { method: "PATCH", params: dp(id), body: { name: "by member" } }),
      call(one.DELETE, { method: "DELETE", params: dp(id) }),
      call(pause.POST, { method: "POST", params: dp(id) }),
      call(resume.POST, { method: "POST", params: dp(id) }),
      call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } }),
      call(retryFailed.POST, { method: "POST", params: dp(id), body: { dryRun: false } }),
      call(replay.POST, { method: "POST", params: dp(id), body: { since: new Date(0).toISOString(), dryRun: false } }),
    ];
    // Each change is saved as a pending change request instead (approval: tests/governance);
    // resuming an active destination and retrying/replaying nothing would change nothing: refused.
    const outcomes = (await Promise.all(changes)).map((res) => [res.status, res.json.changeRequest?.status ?? res.json.error?.code]);
    expect(outcomes).toEqual([
      [202, "pending"],
      [202, "pending"],
      [202, "pending"],
      [202, "pending"],
      [409, "no_change"],
      [202, "pending"],
      [409, "no_change"],
      [409, "no_change"],
    ]);
    // A dry run changes nothing and is allowed.
    expect((await call(retryFailed.POST, { method: "POST", params: dp(id), body: { dryRun: true } })).status).toBe(200);
    expect((await prisma.destination.findUniqueOrThrow({ where: { id } })).name).toBe("Hook");

    actAs(admin);
    expect((await call(one.PATCH, { method: "PATCH", params: dp(id), body: { name: "by admin" } })).json.destination.name).toBe("by admin");
  });

  it("the owner of a personal workspace applies directly", async () => {
    const res = await call(list.POST, {
      method: "POST",
      params: ws(owner.personalWorkspaceId),
      body: { type: "webhook", name: "Mine", config: { url: receiver.url } },
    });
    expect(res.status).toBe(201);
  });
});

describe("tenant isolation", () => {
  it("another workspace's destinations, deliveries and health are not found by id", async () => {
    await cleanDestinations();
    actAs(outsider);
    const foreign = await createWebhook({}, otherOrgId);
    actAs(owner);
    // B's id under A's workspace, and B's workspace itself.
    const asA = dp(foreign.id, orgId);
    const cases = [
      call(one.GET, { params: asA }),
      call(one.PATCH, { method: "PATCH", params: asA, body: { name: "stolen" } }),
      call(one.DELETE, { method: "DELETE", params: asA }),
      call(deliveries.GET, { params: asA }),
      call(health.GET, { params: asA }),
      call(testSaved.POST, { method: "POST", params: asA }),
      call(pause.POST, { method: "POST", params: asA }),
      call(resume.POST, { method: "POST", params: asA }),
      call(retryFailed.POST, { method: "POST", params: asA, body: { dryRun: true } }),
      call(replay.POST, { method: "POST", params: asA, body: { since: new Date(0).toISOString(), dryRun: true } }),
      call(setupSql.GET, { params: asA }),
      call(testUnsaved.POST, { method: "POST", params: ws(), body: { type: "webhook", config: { url: receiver.url }, destinationId: foreign.id } }),
      call(one.GET, { params: dp(foreign.id, otherOrgId) }),
      call(list.GET, { params: ws(otherOrgId) }),
      call(deliveries.GET, { params: dp(foreign.id, otherOrgId) }),
      call(health.GET, { params: dp(foreign.id, otherOrgId) }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(404);
    const row = await prisma.destination.findUniqueOrThrow({ where: { id: foreign.id } });
    expect(row).toMatchObject({ name: "Hook", status: "active", deletedAt: null, version: 1 });
    expect(receiver.requests.filter((r) => r.url === "/hook")).toHaveLength(0);
  });
});

describe("test connection", () => {
  it("tests a saved destination through the real path", async () => {
    await cleanDestinations();
    receiver.requests.length = 0;
    const { id, secret } = await createWebhook();
    const res = await call(testSaved.POST, { method: "POST", params: dp(id) });
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ ok: true, status: 200 });
    const request = receiver.requests.at(-1)!;
    expect(request.headers["x-test-connection"]).toBe("true");
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    expect(JSON.stringify(res.json)).not.toContain(secret);
  });

  it("tests unsaved values, taking masked secrets from the stored destination", async () => {
    await cleanDestinations();
    const { id, secret, view } = await createWebhook();
    receiver.handle((_req, res) => res.writeHead(401).end("bad signature"));
    const res = await call(testUnsaved.POST, {
      method: "POST",
      params: ws(),
      body: { type: "webhook", config: { ...view.config, method: "PUT" }, destinationId: id },
    });
    expect(res.json.result).toMatchObject({ ok: false, status: 401, responseBody: "bad signature" });
    expect(res.json.result.message).toMatch(/reachable, but rejected/);
    const request = receiver.requests.at(-1)!;
    expect(request.method).toBe("PUT");
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    // Signed with the stored secret, although the form only had its mask.
    expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    expect(res.json.result.request.headers["webhook-signature"]).not.toContain(request.headers["webhook-signature"]);

    const invalid = await call(testUnsaved.POST, { method: "POST", params: ws(), body: { type: "webhook", config: { url: "nope" } } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.fields[0].path).toBe("config.url");
  });

  it("reports an unreachable destination without failing the request", async () => {
    const res = await call(testUnsaved.POST, { method: "POST", params: ws(), body: { type: "webhook", config: { url: "http://127.0.0.1:9/" } } });
    expect(res.status).toBe(200);
    expect(res.json.result.ok).toBe(false);
    expect(res.json.result.message).toMatch(/Could not reach/);
  });
});

describe("send test trace", () => {
  it("pushes a test trace through routing and the outbox to destinations without an API-key include list", async () => {
    await cleanDestinations();
    const open = await createWebhook({ name: "open" });
    const keyed = await createWebhook({ name: "keyed", apiKeyInclude: [(await apiKeyContext(orgId)).apiKey.id] });
    const res = await call(testTrace.POST, { method: "POST", params: ws() });
    expect(res.status).toBe(202);
    expect(res.json.deliveries.map((d: { destinationId: string }) => d.destinationId)).toEqual([open.id]);
    const stored = await prisma.tracePayload.findUniqueOrThrow({ where: { id: res.json.traceId } });
    expect(stored.isTest).toBe(true);
    receiver.requests.length = 0;
    await drainDestination(open.id);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].headers["x-test-connection"]).toBe("true");
    expect(await deliveriesOf(keyed.id)).toHaveLength(0);
  });
});

describe("pause, resume, retry failed, replay", () => {
  it("resume clears an auto-pause and the failure streak, and the waiting deliveries go out", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    await enqueue(orgId, [id], 3);
    await prisma.destination.update({ where: { id }, data: { status: "auto_paused", statusReason: "failing", consecutiveFailures: 9, failingSince: new Date(Date.now() - 86_400_000) } });
    expect((await drainDestination(id)).delivered).toBe(0);
    const res = await call(resume.POST, { method: "POST", params: dp(id) });
    expect(res.json.destination).toMatchObject({ status: "active", statusReason: null, health: { consecutiveFailures: 0, failingSince: null } });
    expect((await drainDestination(id)).delivered).toBe(3);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { targetId: id, action: "destination.resume" } });
    expect(audit).toMatchObject({ actorId: owner.id, before: { status: "auto_paused", statusReason: "failing" } });

    await call(pause.POST, { method: "POST", params: dp(id) });
    await enqueue(orgId, [id], 1);
    expect((await drainDestination(id)).stopped).toBe("destination paused");
  });

  it("retries failed deliveries (dry run counts), with a fresh retry window", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    receiver.handle((_req, res) => res.writeHead(422).end("invalid"));
    await enqueue(orgId, [id], 2, { receivedAt: new Date(Date.now() - 48 * 3_600_000) });
    await enqueue(orgId, [id], 1);
    await drainDestination(id);
    expect((await deliveriesOf(id)).map((d) => d.status)).toEqual(["failed", "failed", "failed"]);

    const dry = await call(retryFailed.POST, { method: "POST", params: dp(id), body: { dryRun: true } });
    expect(dry.json).toEqual({ dryRun: true, count: 3 });
    expect((await deliveriesOf(id)).every((d) => d.status === "failed")).toBe(true);

    receiver.handle((_req, res) => res.end("ok"));
    const real = await call(retryFailed.POST, { method: "POST", params: dp(id), body: {} });
    expect(real.json).toEqual({ dryRun: false, count: 3 });
    expect((await deliveriesOf(id)).every((d) => d.status === "pending" && d.attempts === 0)).toBe(true);
    expect((await drainDestination(id)).delivered).toBe(3);
  });

  it("replays traces since T per the current routing rules (dry run counts)", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    const before = new Date(Date.now() - 10 * 60_000);
    await enqueue(orgId, [id], 1, { receivedAt: new Date(Date.now() - 20 * 60_000) }); // before T
    await enqueue(orgId, [id], 2, { receivedAt: new Date(Date.now() - 5 * 60_000), trace: { model: "openai/gpt-4o" } });
    await enqueue(orgId, [], 1, { receivedAt: new Date(Date.now() - 5 * 60_000), trace: { model: "anthropic/claude" } }); // never routed
    await drainDestination(id);
    expect((await deliveriesOf(id)).every((d) => d.status === "delivered")).toBe(true);

    const dry = await call(replay.POST, { method: "POST", params: dp(id), body: { since: before.toISOString(), dryRun: true } });
    expect(dry.json).toEqual({ dryRun: true, count: 3, created: 1, reset: 2 });

    // Routing now only takes OpenAI models: the Claude trace is not replayed.
    await call(one.PATCH, {
      method: "PATCH",
      params: dp(id),
      body: { filterRules: { groups: [{ rules: [{ field: "model", operator: "starts_with", value: "openai/" }] }] } },
    });
    const res = await call(replay.POST, { method: "POST", params: dp(id), body: { since: before.toISOString() } });
    expect(res.json).toEqual({ dryRun: false, count: 2, created: 0, reset: 2 });
    receiver.requests.length = 0;
    expect((await drainDestination(id)).delivered).toBe(2);
    expect(receiver.requests.length).toBeGreaterThan(0);

    const future = await call(replay.POST, { method: "POST", params: dp(id), body: { since: new Date(Date.now() + 60_000).toISOString() } });
    expect(future.status).toBe(400);
    expect(future.json.error.fields[0].path).toBe("since");
  });

  it("a replay covers the traces received until it was asked for, not those arriving while it runs", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    await enqueue(orgId, [id], 2, { receivedAt: new Date(Date.now() - 5 * 60_000) });
    // Received after the request (as under steady ingest while a long replay works through its
    // chunks): delivered as new traces, not replayed. Before, the replay chased ingestion's head.
    await enqueue(orgId, [id], 3, { receivedAt: new Date(Date.now() + 60_000) });
    await makeDue(id);
    expect((await drainDestination(id)).delivered).toBe(5);
    const res = await call(replay.POST, { method: "POST", params: dp(id), body: { since: new Date(Date.now() - 10 * 60_000).toISOString() } });
    expect(res.json).toEqual({ dryRun: false, count: 2, created: 0, reset: 2 });
  });
});

describe("delivery log and health", () => {
  it("pages through deliveries newest first, filters by status, and reports health", async () => {
    await cleanDestinations();
    const { id } = await createWebhook();
    await enqueue(orgId, [id], 5);
    await drainDestination(id);
    receiver.handle((_req, res) => res.writeHead(400).end("rejected"));
    await enqueue(orgId, [id], 2);
    await drainDestination(id);
    await enqueue(orgId, [id], 1);

    const page1 = await call(deliveries.GET, { params: dp(id), search: { limit: "3" } });
    expect(page1.status).toBe(200);
    expect(page1.json.deliveries).toHaveLength(3);
    expect(page1.json.nextCursor).toEqual(expect.any(String));
    const page2 = await call(deliveries.GET, { params: dp(id), search: { limit: "3", cursor: page1.json.nextCursor } });
    const page3 = await call(deliveries.GET, { params: dp(id), search: { limit: "3", cursor: page2.json.nextCursor } });
    const all = [...page1.json.deliveries, ...page2.json.deliveries, ...page3.json.deliveries];
    expect(new Set(all.map((d: { id: string }) => d.id)).size).toBe(8);
    expect(page3.json.nextCursor).toBeNull();
    expect(all[0].status).toBe("pending");

    const failed = await call(deliveries.GET, { params: dp(id), search: { status: "failed" } });
    expect(failed.json.deliveries).toHaveLength(2);
    expect(failed.json.deliveries[0]).toMatchObject({ status: "failed", lastStatus: 400, attempts: 1, traceExternalId: expect.stringMatching(/^gen-test-/) });
    expect(failed.json.deliveries[0].lastError).toContain("rejected");
    expect((await call(deliveries.GET, { params: dp(id), search: { status: "bogus" } })).json.error.fields[0].path).toBe("status");
    expect((await call(deliveries.GET, { params: dp(id), search: { cursor: "!!" } })).status).toBe(400);

    const h = await call(health.GET, { params: dp(id), search: { window: "24h" } });
    expect(h.json.health).toMatchObject({ window: "24h", delivered: 5, failed: 2, backlog: 1, retrying: 0 });
    expect(h.json.health.successRate).toBeCloseTo(5 / 7);
    expect(h.json.health.latencyMs.p50).toEqual(expect.any(Number));
    expect(h.json.health.latencyMs.p95).toBeGreaterThanOrEqual(h.json.health.latencyMs.p50);
    expect(h.json.health.oldestPendingAgeMs).toEqual(expect.any(Number));
    expect(h.json.health.lastError.message).toContain("400");
    expect(h.json.health.buckets).toHaveLength(24);
    expect(h.json.health.buckets.reduce((n: number, b: { delivered: number }) => n + b.delivered, 0)).toBe(5);
    expect((await call(health.GET, { params: dp(id), search: { window: "7d" } })).json.health.buckets).toHaveLength(28);

    const listed = await call(list.GET, { params: ws() });
    const summary = listed.json.destinations.find((d: { id: string }) => d.id === id).summary;
    expect(summary).toMatchObject({ delivered24h: 5, failed24h: 2 });
    expect(summary.buckets).toHaveLength(24);
  });
});

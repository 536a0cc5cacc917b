// Custom header values are secrets (issue #8): names stay visible, values are stored in the
// destination's ciphertext, masked on every read (API, audit, change requests), kept when an update
// sends the mask back, replaced when new, removed with their header. Proved end to end through the
// route handlers, the real database and a real HTTP receiver that records what it was sent; and
// for destinations stored before this change (values in clear in Destination.config).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as oneRequest from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as testSaved from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/test/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import { rotateAllSecrets } from "@/lib/crypto/rotate";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { openSecrets } from "@/lib/broadcast/stored-config";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { enqueue, startReceiver, type Receiver } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const BEARER = "Bearer sk-live-HEADERSUITE-0123456789abcdefghijklmnop";
const NEW_BEARER = "Bearer sk-live-HEADERSUITE-rotated-9876543210zyxwvu";
const HEADERS = { Authorization: BEARER, "X-Team": "ml" };
const MASKED = { Authorization: "Bear...mnop", "X-Team": "********" };

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let orgId: string;
let receiver: Receiver;

beforeAll(async () => {
  owner = await createUser("headers-owner");
  member = await createUser("headers-member");
  orgId = (await createOrganization(owner, "Headers Inc")).id;
  await addMembership(orgId, member, "member");
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  actAs(owner);
  await prisma.changeRequest.deleteMany({});
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
});

const ws = () => ({ workspaceId: orgId });
const dp = (destinationId: string) => ({ workspaceId: orgId, destinationId });

async function createWebhook(headers: Record<string, string> = HEADERS) {
  const res = await call(list.POST, { method: "POST", params: ws(), body: { type: "webhook", name: "Hook", config: { url: `${receiver.url}/hook`, headers } } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination as { id: string; config: Record<string, unknown> };
}

async function patchConfig(id: string, config: Record<string, unknown>) {
  return call(one.PATCH, { method: "PATCH", params: dp(id), body: { config } });
}

/** Queues one trace for the destination, delivers it, and returns the headers the receiver got. */
async function deliveredHeaders(destinationId: string) {
  const before = receiver.requests.length;
  await enqueue(orgId, [destinationId], 1);
  const drained = await drainDestination(destinationId);
  expect(drained.delivered).toBe(1);
  expect(receiver.requests.length).toBe(before + 1);
  return receiver.requests.at(-1)!.headers;
}

const stored = (id: string) => prisma.destination.findUniqueOrThrow({ where: { id } });

describe("custom header values are secrets", () => {
  it("stores the values in the ciphertext only and masks them in every response and audit entry", async () => {
    const created = await createWebhook();
    expect(created.config.headers).toEqual(MASKED);

    const row = await stored(created.id);
    expect(openSecrets(row.id, row.secrets)).toEqual({ headers: HEADERS });
    expect(row.config).not.toHaveProperty("headers");
    expect(JSON.stringify(row.config)).not.toContain("sk-live");

    const read = await call(one.GET, { params: dp(created.id) });
    expect(read.json.destination.config.headers).toEqual(MASKED);
    const listed = await call(list.GET, { params: ws() });
    expect(listed.json.destinations[0].config.headers).toEqual(MASKED);
    for (const res of [read, listed]) expect(JSON.stringify(res.json)).not.toContain("sk-live");

    const tested = await call(testSaved.POST, { method: "POST", params: dp(created.id) });
    expect(tested.json.result.ok, JSON.stringify(tested.json)).toBe(true);
    // The receiver got the real values; the "request sent" display shows them masked.
    expect(receiver.requests.at(-1)!.headers).toMatchObject({ authorization: BEARER, "x-team": "ml" });
    expect(tested.json.result.request.headers).toMatchObject({ authorization: "Bear...mnop", "x-team": "********" });
    expect(JSON.stringify(tested.json)).not.toContain("sk-live");

    await patchConfig(created.id, { headers: { ...MASKED, "X-Team": "search" } });
    const audit = await prisma.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["destination.create", "destination.test", "destination.update"]);
    expect(JSON.stringify(audit)).not.toContain("sk-live");
    expect(audit[0].after).toMatchObject({ config: { headers: MASKED } });
    expect(audit[2].before).toMatchObject({ config: { headers: MASKED } });
    expect(audit[2].after).toMatchObject({ config: { headers: { Authorization: "Bear...mnop", "X-Team": "********" } } });
    expect(JSON.stringify(audit)).not.toContain('"search"');
  });

  it("keeps a value sent back masked, replaces a new one, removes a header left out, and refuses a mask under a new name", async () => {
    const { id, config } = await createWebhook();
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: BEARER, "x-team": "ml" });

    // The whole masked config back, as the settings form sends it: nothing changes.
    let res = await patchConfig(id, config);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(openSecrets(id, (await stored(id)).secrets)).toEqual({ headers: HEADERS });
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: BEARER, "x-team": "ml" });

    // A new value for one header, the mask for the other.
    res = await patchConfig(id, { headers: { Authorization: NEW_BEARER, "X-Team": MASKED["X-Team"] } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.destination.config.headers).toEqual({ Authorization: "Bear...xwvu", "X-Team": "********" });
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: NEW_BEARER, "x-team": "ml" });

    // X-Team left out of the map: removed.
    res = await patchConfig(id, { headers: { Authorization: "Bear...xwvu" } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(openSecrets(id, (await stored(id)).secrets)).toEqual({ headers: { Authorization: NEW_BEARER } });
    const headers = await deliveredHeaders(id);
    expect(headers.authorization).toBe(NEW_BEARER);
    expect(headers).not.toHaveProperty("x-team");

    // Renaming is remove + add: a mask under a name that has no stored value is refused, not stored.
    res = await patchConfig(id, { headers: { "X-Authorization": "Bear...xwvu" } });
    expect(res.status).toBe(400);
    expect(res.json.error.fields.map((f: { path: string }) => f.path)).toEqual(["config.headers.X-Authorization"]);
    expect(openSecrets(id, (await stored(id)).secrets)).toEqual({ headers: { Authorization: NEW_BEARER } });

    // All headers removed: nothing left to encrypt.
    res = await patchConfig(id, { headers: {} });
    expect(res.status).toBe(200);
    expect((await stored(id)).secrets).toBeNull();
    expect(await deliveredHeaders(id)).not.toHaveProperty("authorization");
  });

  it("keeps header values out of a member's change request and applies them on approval", async () => {
    const { id } = await createWebhook();
    actAs(member);
    const proposed = await patchConfig(id, { headers: { Authorization: NEW_BEARER, "X-Team": MASKED["X-Team"], "X-Region": "eu-west-secret-region" } });
    expect(proposed.status, JSON.stringify(proposed.json)).toBe(202);
    const requestId: string = proposed.json.changeRequest.id;
    expect(proposed.json.changeRequest.diff).toEqual([
      { key: "config.headers", label: "Custom headers", before: "Authorization, X-Team (values hidden)", after: "Authorization, X-Team, X-Region (values hidden)" },
    ]);
    const read = await call(oneRequest.GET, { params: { workspaceId: orgId, changeRequestId: requestId } });
    const request = await prisma.changeRequest.findUniqueOrThrow({ where: { id: requestId }, omit: { secrets: true } });
    for (const text of [JSON.stringify(proposed.json), JSON.stringify(read.json), JSON.stringify(request)]) {
      expect(text).not.toContain("sk-live");
      expect(text).not.toContain("eu-west-secret-region");
    }

    actAs(owner);
    const approved = await call(approve.POST, { method: "POST", params: { workspaceId: orgId, changeRequestId: requestId } });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(openSecrets(id, (await stored(id)).secrets)).toEqual({ headers: { Authorization: NEW_BEARER, "X-Team": "ml", "X-Region": "eu-west-secret-region" } });
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: NEW_BEARER, "x-team": "ml", "x-region": "eu-west-secret-region" });
    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: orgId } });
    expect(JSON.stringify(audit)).not.toContain("sk-live");
    expect(JSON.stringify(audit)).not.toContain("eu-west-secret-region");

    // A header value change with the same names still shows as a change (without the values).
    actAs(member);
    const changed = await patchConfig(id, { headers: { Authorization: BEARER, "X-Team": "********", "X-Region": "eu-w...gion" } });
    expect(changed.status, JSON.stringify(changed.json)).toBe(202);
    expect(changed.json.changeRequest.diff).toEqual([
      {
        key: "config.headers",
        label: "Custom headers",
        before: "Authorization, X-Team, X-Region (values hidden)",
        after: "Authorization, X-Team, X-Region (values hidden) — values changed",
      },
    ]);
  });
});

describe("destinations stored before header values were secrets", () => {
  /** A row as the app wrote it before: header values in clear in config, the signing secret encrypted. */
  async function legacyWebhook() {
    const row = await prisma.destination.create({
      data: { workspaceId: orgId, type: "webhook", name: "Legacy hook", config: { url: `${receiver.url}/legacy`, method: "POST", headers: HEADERS } },
    });
    return row.id;
  }

  it("still delivers with the values, masks them on read, and moves them into the ciphertext on the next update", async () => {
    const id = await legacyWebhook();
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: BEARER, "x-team": "ml" });
    const read = await call(one.GET, { params: dp(id) });
    expect(read.json.destination.config.headers).toEqual(MASKED);

    // An update that does not touch the config still moves the values.
    const renamed = await call(one.PATCH, { method: "PATCH", params: dp(id), body: { name: "Legacy hook, migrated" } });
    expect(renamed.status, JSON.stringify(renamed.json)).toBe(200);
    expect(JSON.stringify(renamed.json)).not.toContain("sk-live");
    const row = await stored(id);
    expect(row.config).toEqual({ url: `${receiver.url}/legacy`, method: "POST" });
    expect(openSecrets(id, row.secrets)).toEqual({ headers: HEADERS });
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: BEARER, "x-team": "ml" });
    const audit = await prisma.auditEvent.findMany({ where: { targetId: id } });
    expect(JSON.stringify(audit)).not.toContain("sk-live");
  });

  it("keeps a legacy value sent back masked in a config update", async () => {
    const id = await legacyWebhook();
    const res = await patchConfig(id, { headers: { ...MASKED, "X-Extra": "added" } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const row = await stored(id);
    expect(row.config).not.toHaveProperty("headers");
    expect(openSecrets(id, row.secrets)).toEqual({ headers: { ...HEADERS, "X-Extra": "added" } });
  });

  it("has the values moved by the key rotation command, once", async () => {
    const id = await legacyWebhook();
    const first = await rotateAllSecrets(prisma);
    expect(first.movedToCiphertext).toBe(1);
    const row = await stored(id);
    expect(row.config).toEqual({ url: `${receiver.url}/legacy`, method: "POST" });
    expect(openSecrets(id, row.secrets)).toEqual({ headers: HEADERS });
    expect(row.version).toBe(1); // where a value is stored is no change of settings: pending change requests stay valid
    expect((await rotateAllSecrets(prisma)).movedToCiphertext).toBe(0);
    expect(await deliveredHeaders(id)).toMatchObject({ authorization: BEARER, "x-team": "ml" });
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { workspaceId: orgId, action: "credentials.rotate" } });
    expect(audit.after).toMatchObject({ movedToCiphertext: 1 });
  });
});

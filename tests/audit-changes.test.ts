// The audit log says what changed (issue 25 point 3), through the real routes and database:
// before → after per field with secrets only as set / changed / removed (never the value, its
// mask or a digest of it), switches as On / Off, names stored when the event is written (so a
// rename or deletion leaves old entries readable), and CSV / JSON downloads with the screen's filters.
import crypto from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as audit from "@/app/api/workspaces/[workspaceId]/audit/route";
import * as broadcast from "@/app/api/workspaces/[workspaceId]/broadcast/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as pause from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/pause/route";
import * as replay from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/replay/route";
import * as resume from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/resume/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import { csvCell } from "@/lib/audit-log";
import { prisma } from "@/lib/db";
import { autoPauseIfFailingSince } from "@/lib/delivery/health";
import { maskSecret } from "@/lib/outbound/masking";
import { actAs } from "./support/session-mock";
import { addMembership, call, createOrganization, createUser } from "./support/accounts";
import { enqueue } from "./support/delivery";

vi.mock("@/lib/auth/session", () => import("./support/session-mock"));

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let orgId: string;

const OLD_SECRET = "sk-lf-audit-old-0123456789abcdef";
const NEW_SECRET = "sk-lf-audit-new-fedcba9876543210";
/** Every form of a secret that must never reach the log: the value, its mask, digests of it. */
const forms = (secret: string) => [
  secret,
  maskSecret(secret),
  crypto.createHash("sha256").update(secret).digest("base64url"),
  crypto.createHash("sha256").update(secret).digest("hex"),
];

beforeAll(async () => {
  owner = await createUser("owner");
  member = await createUser("member");
  orgId = (await createOrganization(owner, "Audit Org")).id;
  await addMembership(orgId, member, "member");
});

beforeEach(async () => {
  await prisma.auditEvent.deleteMany({});
  await prisma.destination.deleteMany({});
  await prisma.tracePayload.deleteMany({});
  await prisma.workspace.updateMany({ data: { broadcastEnabled: true } });
});

const ws = () => ({ workspaceId: orgId });
const dp = (destinationId: string) => ({ workspaceId: orgId, destinationId });

type Change = { key: string; label: string; before: string | null; after: string | null; secret?: true };
type Event = { action: string; targetName: string | null; targetId: string | null; changes: Change[] };

async function events(search: Record<string, string> = {}, as: User = owner): Promise<Event[]> {
  actAs(as);
  const res = await call(audit.GET, { params: ws(), search });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.events;
}

async function download(format: "csv" | "json", search: Record<string, string> = {}, as: User = owner) {
  actAs(as);
  const url = new URL("http://127.0.0.1/api/test");
  for (const [k, v] of Object.entries({ ...search, format })) url.searchParams.set(k, v);
  const { NextRequest } = await import("next/server");
  const res = await audit.GET(new NextRequest(url), { params: Promise.resolve(ws()) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function createLangfuse(name: string) {
  actAs(owner);
  const res = await call(list.POST, {
    method: "POST",
    params: ws(),
    body: { type: "langfuse", name, config: { secretKey: OLD_SECRET, publicKey: "pk-lf-audit-public", baseUrl: "http://127.0.0.1:9/lf" } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.destination as { id: string; config: Record<string, string> };
}

describe("before and after, field by field", () => {
  it("an update lists each changed setting with both values, switches as On/Off, a new secret only as “changed”", async () => {
    const d = await createLangfuse("Prod Langfuse");
    actAs(owner);
    const res = await call(one.PATCH, {
      method: "PATCH",
      params: dp(d.id),
      body: { samplingRate: 0.25, enabled: false, config: { ...d.config, secretKey: NEW_SECRET } },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const [update] = await events({ action: "destination.update" });
    expect(update.changes).toEqual(
      expect.arrayContaining([
        { key: "enabled", label: "Enabled", before: "On", after: "Off" },
        { key: "samplingRate", label: "Sampling rate", before: "100%", after: "25%" },
        { key: "config.secretKey", label: "Secret Key", before: "set", after: "changed", secret: true },
      ]),
    );
    expect(update.changes.map((c) => c.key)).not.toContain("config.publicKey");
    expect(update.targetName).toBe("Prod Langfuse");

    // The stored diff, the list, and both downloads hold no form of either secret.
    const stored = JSON.stringify(await prisma.auditEvent.findMany({ select: { changes: true } }));
    const csv = (await download("csv")).text;
    for (const form of [...forms(OLD_SECRET), ...forms(NEW_SECRET)]) {
      expect(stored).not.toContain(form);
      expect(JSON.stringify(update.changes)).not.toContain(form);
      expect(csv).not.toContain(form);
    }
    const json = (await download("json")).text;
    for (const form of [OLD_SECRET, NEW_SECRET, ...forms(OLD_SECRET).slice(2), ...forms(NEW_SECRET).slice(2)]) expect(json).not.toContain(form);
  });

  it("a creation lists what was set; a deletion says so", async () => {
    const d = await createLangfuse("Short-lived");
    actAs(owner);
    expect((await call(one.DELETE, { method: "DELETE", params: dp(d.id) })).status).toBe(204);
    const [deleted, created] = await events({ targetType: "destination" });
    expect(created.changes).toEqual(expect.arrayContaining([{ key: "name", label: "Name", before: null, after: "Short-lived" }, { key: "config.secretKey", label: "Secret Key", before: null, after: "set", secret: true }]));
    expect(deleted.changes).toEqual([{ key: "destination", label: "Destination", before: "Short-lived", after: "Deleted" }]);
  });

  it("the Broadcast switch says On → Off, with the workspace's name", async () => {
    actAs(owner);
    expect((await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } })).status).toBe(200);
    const [event] = await events({ action: "broadcast.set" });
    expect(event).toMatchObject({ targetName: "Audit Org", changes: [{ key: "broadcastEnabled", label: "Broadcast", before: "On", after: "Off" }] });
  });

  it("an event from before changes were stored is diffed when read, secrets by their field, never by their mask", async () => {
    await prisma.auditEvent.create({
      data: {
        workspaceId: orgId,
        actorLabel: owner.email,
        action: "destination.update",
        targetType: "destination",
        targetId: "gone",
        before: { type: "langfuse", name: "Old", config: { secretKey: maskSecret(OLD_SECRET), baseUrl: "http://a" } },
        after: { type: "langfuse", name: "Old", config: { secretKey: maskSecret(NEW_SECRET), baseUrl: "http://b" } },
      },
    });
    const [legacy] = await events();
    expect(legacy.changes).toHaveLength(2);
    expect(legacy.changes).toEqual(
      expect.arrayContaining([
        { key: "config.secretKey", label: "secretKey", before: "set", after: "changed", secret: true },
        { key: "config.baseUrl", label: "Base URL", before: "http://a", after: "http://b" },
      ]),
    );
    expect(legacy.targetName).toBe("Old");
  });
});

describe("names instead of ids, stored when written", () => {
  it("pause, resume, replay and auto-pause keep the name the destination had, after a rename and a deletion", async () => {
    const d = await createLangfuse("Alpha");
    actAs(owner);
    expect((await call(pause.POST, { method: "POST", params: dp(d.id) })).status).toBe(200);
    expect((await call(resume.POST, { method: "POST", params: dp(d.id) })).status).toBe(200);
    await enqueue(orgId, [], 1, { receivedAt: new Date(Date.now() - 60_000) }); // a trace it never got
    const replayed = await call(replay.POST, { method: "POST", params: dp(d.id), body: { since: new Date(Date.now() - 3600_000).toISOString() } });
    expect(replayed.status, JSON.stringify(replayed.json)).toBe(200);
    // The delivery code's own event (lib/delivery/health.ts passes no name): named at write time too.
    await prisma.destination.update({ where: { id: d.id }, data: { failingSince: new Date(Date.now() - 24 * 3600_000), consecutiveFailures: 9 } });
    expect(await autoPauseIfFailingSince(d.id, new Date())).toBe(1);

    expect((await call(one.PATCH, { method: "PATCH", params: dp(d.id), body: { name: "Beta" } })).status).toBe(200);
    expect((await call(one.DELETE, { method: "DELETE", params: dp(d.id) })).status).toBe(204);
    await prisma.destination.deleteMany({ where: { id: d.id } }); // gone for good, not only soft-deleted

    const byAction = Object.fromEntries((await events({ targetId: d.id })).map((e) => [e.action, e]));
    for (const action of ["destination.pause", "destination.resume", "destination.replay", "destination.auto_pause"]) {
      expect({ action, name: byAction[action]?.targetName }).toEqual({ action, name: "Alpha" });
    }
    expect(byAction["destination.pause"].changes).toEqual([{ key: "status", label: "Status", before: "Active", after: "Paused" }]);
    expect(byAction["destination.update"].targetName).toBe("Beta");
    expect(byAction["destination.update"].changes).toEqual([{ key: "name", label: "Name", before: "Alpha", after: "Beta" }]);
  });
});

describe("CSV and JSON downloads", () => {
  it("CSV: one row per event with the screen's filters, the changes as text, and formula-looking cells defused", async () => {
    const d = await createLangfuse('=HYPERLINK("http://evil.example","click")');
    actAs(owner);
    expect((await call(pause.POST, { method: "POST", params: dp(d.id) })).status).toBe(200);
    expect((await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false } })).status).toBe(200);

    const res = await download("csv", { action: "destination.pause" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="tracecast-audit-.+\.csv"$/);
    const lines = res.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe('"time","actor","action","target_type","target_id","target_name","changes"');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"${owner.email}","destination.pause","destination","${d.id}","'=HYPERLINK(""http://evil.example"",""click"")","Status: Active → Paused"`);

    // The same filters as the list: the JSON file holds exactly the events the screen shows.
    const filter = { action: "broadcast.set" };
    const json = JSON.parse((await download("json", filter)).text) as Event[];
    expect(json.map((e) => [e.action, e.targetName])).toEqual((await events(filter)).map((e) => [e.action, e.targetName]));
    expect(json[0].changes).toEqual([{ key: "broadcastEnabled", label: "Broadcast", before: "On", after: "Off" }]);

    const none = await download("csv", { action: "nothing.matches" });
    expect(none.text).toBe('"time","actor","action","target_type","target_id","target_name","changes"\r\n');
  });

  it("csvCell: quotes every cell and prefixes = + - @ tab and carriage return with an apostrophe", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", 'say "hi"'].map(csvCell)).toEqual([
      `"'=1+1"`,
      `"'+1"`,
      `"'-1"`,
      `"'@SUM(A1)"`,
      `"'\tx"`,
      `"'\rx"`,
      `"plain"`,
      `"say ""hi"""`,
    ]);
  });

  it("follows the read policy: a member reads and downloads the log (as today), a non-member gets 404, a bad format is a 400", async () => {
    await createLangfuse("Visible");
    expect((await download("csv", {}, member)).status).toBe(200);
    expect((await events({}, member)).length).toBeGreaterThan(0);
    const outsider = await createUser("outsider");
    expect((await download("csv", {}, outsider)).status).toBe(404);
    expect((await download("json", {}, outsider)).status).toBe(404);
    actAs(owner);
    const bad = await call(audit.GET, { params: ws(), search: { format: "xlsx" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].path).toBe("format");
  });
});

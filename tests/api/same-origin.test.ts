// Cross-site request forgery (issue 18.5): the probe had a page on another site approve a change
// request, pause and resume a destination and send a test trace, with bodyless and text/plain POSTs
// that carried the session cookie. Every cookie-authenticated request that can change something now
// has to come from Tracecast's own pages (lib/api/same-origin.ts, applied by defineRoute): proved
// per method through the real route handlers and the real database. The signed-in user stands in
// for the cookie the browser would attach (session-mock); API-key routes are unaffected.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import * as authRoutes from "@/app/api/auth/[...nextauth]/route";
import * as apiKey from "@/app/api/workspaces/[workspaceId]/api-keys/[apiKeyId]/route";
import * as broadcast from "@/app/api/workspaces/[workspaceId]/broadcast/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import * as pause from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/pause/route";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as testTrace from "@/app/api/workspaces/[workspaceId]/test-trace/route";
import * as ingest from "@/app/api/v1/traces/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const EVIL = { origin: "https://evil.example" };
const SAME = { origin: "http://127.0.0.1", "sec-fetch-site": "same-origin" };

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let orgId: string;

beforeAll(async () => {
  owner = await createUser("csrf-owner");
  member = await createUser("csrf-member");
  orgId = (await createOrganization(owner, "Csrf Inc")).id;
  await addMembership(orgId, member, "member");
});
beforeEach(() => actAs(owner));
afterEach(() => vi.unstubAllEnvs());

const ws = () => ({ workspaceId: orgId });
const dp = (destinationId: string) => ({ workspaceId: orgId, destinationId });

async function destination(name = "Hook") {
  return prisma.destination.create({ data: { workspaceId: orgId, type: "webhook", name, config: { url: "http://127.0.0.1:9/hook" } } });
}

const statusOf = async (id: string) => (await prisma.destination.findUniqueOrThrow({ where: { id } })).status;

function expectRefused(res: { status: number; json: { error: { code: string; message: string } } }) {
  expect(res.status).toBe(403);
  expect(res.json.error.code).toBe("cross_site_request");
  expect(res.json.error.message).toMatch(/request made by another site/);
}

describe("POST", () => {
  it("a bodyless POST from another site cannot pause a destination; the same POST from Tracecast's page can", async () => {
    const dest = await destination();
    expectRefused(await call(pause.POST, { method: "POST", params: dp(dest.id), headers: EVIL }));
    expect(await statusOf(dest.id)).toBe("active");
    expect(await prisma.auditEvent.count({ where: { targetId: dest.id } })).toBe(0);

    const ok = await call(pause.POST, { method: "POST", params: dp(dest.id), headers: SAME });
    expect(ok.status).toBe(200);
    expect(await statusOf(dest.id)).toBe("paused");
  });

  it("a text/plain POST that the browser marks cross-site is refused, with or without Origin", async () => {
    const dest = await destination();
    const attempts: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site", origin: "https://sub.127.0.0.1" }, { origin: "null" }];
    for (const headers of attempts) {
      const req = new NextRequest("http://127.0.0.1/api/test", { method: "POST", headers: { "content-type": "text/plain", ...headers }, body: "x=1" });
      const res = await pause.POST(req, { params: Promise.resolve(dp(dest.id)) });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await statusOf(dest.id)).toBe("active");
  });

  it("another site cannot send a test trace or approve a change request", async () => {
    expectRefused(await call(testTrace.POST, { method: "POST", params: ws(), headers: EVIL }));
    expect(await prisma.tracePayload.count({ where: { workspaceId: orgId } })).toBe(0);

    const dest = await destination("To pause");
    const request = await prisma.changeRequest.create({
      data: { workspaceId: orgId, proposerId: member.id, action: "destination.pause", targetId: dest.id, payload: {}, baseVersion: dest.version, diff: [] },
    });
    expectRefused(await call(approve.POST, { method: "POST", params: { workspaceId: orgId, changeRequestId: request.id }, headers: EVIL }));
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("pending");
    expect(await statusOf(dest.id)).toBe("active");
  });

  it("Auth.js's own POST endpoints refuse another site too", async () => {
    const req = new NextRequest("http://127.0.0.1/api/auth/signout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...EVIL }, body: "" });
    const res = await authRoutes.POST(req);
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("cross_site_request");
  });
});

describe("PUT and PATCH", () => {
  it("another site cannot switch broadcast off (PUT) or rename a destination (PATCH); Tracecast's pages can", async () => {
    expectRefused(await call(broadcast.PUT, { method: "PUT", params: ws(), body: { enabled: false }, headers: EVIL }));
    expect((await prisma.workspace.findUniqueOrThrow({ where: { id: orgId } })).broadcastEnabled).toBe(true);

    const dest = await destination("Original");
    expectRefused(await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { name: "Hijacked" }, headers: EVIL }));
    expect((await prisma.destination.findUniqueOrThrow({ where: { id: dest.id } })).name).toBe("Original");

    const renamed = await call(one.PATCH, { method: "PATCH", params: dp(dest.id), body: { name: "Renamed" }, headers: SAME });
    expect(renamed.status).toBe(200);
    expect(renamed.json.destination.name).toBe("Renamed");
  });
});

describe("DELETE", () => {
  it("another site cannot revoke an API key; Tracecast's pages can", async () => {
    const { apiKey: key } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: orgId, name: "Prod", actor: null }));
    const params = { workspaceId: orgId, apiKeyId: key.id };
    expectRefused(await call(apiKey.DELETE, { method: "DELETE", params, headers: EVIL }));
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();

    const ok = await call(apiKey.DELETE, { method: "DELETE", params, headers: SAME });
    expect(ok.status).toBeLessThan(300);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).not.toBeNull();
  });
});

describe("what still passes", () => {
  it("reads from anywhere, and requests with neither Origin nor Sec-Fetch-Site (scripts holding their own cookie)", async () => {
    expect((await call(broadcast.GET, { params: ws(), headers: EVIL })).status).toBe(200);
    const dest = await destination();
    expect((await call(pause.POST, { method: "POST", params: dp(dest.id) })).status).toBe(200);
  });

  it("the public origin of AUTH_URL, and X-Forwarded-Host only while the host headers are trusted", async () => {
    const dest = await destination();
    const behindProxy = { origin: "https://traces.example.com" };
    expectRefused(await call(pause.POST, { method: "POST", params: dp(dest.id), headers: behindProxy }));
    vi.stubEnv("AUTH_URL", "https://traces.example.com");
    expect((await call(pause.POST, { method: "POST", params: dp(dest.id), headers: behindProxy })).status).toBe(200);
    vi.unstubAllEnvs();

    const forwarded = { origin: "https://traces.example.com", "x-forwarded-host": "traces.example.com" };
    vi.stubEnv("AUTH_TRUST_HOST", "false");
    expectRefused(await call(pause.POST, { method: "POST", params: dp(dest.id), headers: forwarded }));
    vi.stubEnv("AUTH_TRUST_HOST", "true");
    expect((await call(pause.POST, { method: "POST", params: dp(dest.id), headers: forwarded })).status).toBe(200);
  });

  it("API-key routes: no cookie, so another site's Origin does not matter", async () => {
    const { secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: orgId, name: "Ingest", actor: null }));
    const req = new NextRequest("http://127.0.0.1/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}`, ...EVIL, "sec-fetch-site": "cross-site" },
      body: JSON.stringify({
        model: "openai/gpt-4o-mini",
        request: { messages: [{ role: "user", content: "hi" }] },
        response: { messages: [{ role: "assistant", content: "hello" }] },
        usage: { prompt_tokens: 1, completion_tokens: 1 },
        timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
      }),
    });
    const res = await ingest.POST(req, { params: Promise.resolve({}) });
    expect(res.status).toBe(202);
  });
});

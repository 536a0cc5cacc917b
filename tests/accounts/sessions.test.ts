// Sessions end when they should (issue 18.7): the probe replayed a session cookie after signing out
// and it still worked (a 30-day JWT). Proved with real cookies from Auth.js's credentials sign-in,
// replayed against real route handlers and the page gate (requireWorkspace), with next/headers
// answering the headers of the request being replayed, as Next.js would.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import * as sessions from "@/app/api/account/sessions/route";
import * as destinations from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as member from "@/app/api/workspaces/[workspaceId]/members/[membershipId]/route";
import * as workspaces from "@/app/api/workspaces/route";
import { signUp } from "@/lib/auth/accounts";
import { handlers } from "@/lib/auth/config";
import { requireWorkspace } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { createOrganization } from "./fixtures";

let replayed = new Headers();
vi.mock("next/headers", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/headers")>()),
  headers: async () => replayed,
}));

const ORIGIN = "http://localhost:3999";
const PASSWORD = "open sesame 123";

function cookiesOf(res: Response, previous = ""): string {
  const pairs = [...previous.split("; ").filter(Boolean), ...res.headers.getSetCookie().map((line) => line.split(";")[0])];
  const jar = new Map(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  return [...jar].filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).join("; ");
}

async function csrf(cookies = "") {
  const res = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/csrf`, { headers: { cookie: cookies } }));
  return { token: (await res.json()).csrfToken as string, cookies: cookiesOf(res, cookies) };
}

/** Signs in through Auth.js's credentials callback; the cookies a browser would then hold. */
async function signIn(email: string): Promise<string> {
  const { token, cookies } = await csrf();
  const res = await handlers.POST(
    new NextRequest(`${ORIGIN}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
      body: new URLSearchParams({ email, password: PASSWORD, csrfToken: token, callbackUrl: `${ORIGIN}/w` }),
    }),
  );
  const jar = cookiesOf(res, cookies);
  expect(jar).toMatch(/authjs\.session-token=/);
  return jar;
}

/** Signs out through Auth.js's sign-out endpoint, as the sign-out action does. */
async function signOut(cookies: string) {
  const { token, cookies: jar } = await csrf(cookies);
  const res = await handlers.POST(
    new NextRequest(`${ORIGIN}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
      body: new URLSearchParams({ csrfToken: token, callbackUrl: `${ORIGIN}/sign-in` }),
    }),
  );
  expect(res.status).toBe(302);
}

/** The request headers next/headers answers from now on: these cookies, and what Next.js always sets. */
function replay(cookies: string) {
  replayed = new Headers({ cookie: cookies, host: new URL(ORIGIN).host, "x-forwarded-proto": "http" });
}

type Handler = (req: NextRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Calls a route handler with the given cookies, as the browser (or someone who copied them) would. */
async function withCookies(cookies: string, handler: Handler, method = "GET", params: Record<string, string> = {}) {
  replay(cookies);
  const res = await handler(new NextRequest(`${ORIGIN}/api/test`, { method, headers: { cookie: cookies } }), { params: Promise.resolve(params) });
  return { status: res.status, json: await res.json() };
}

/** What a workspace page's gate does with these cookies: "ok", or where it redirects. */
async function openPage(cookies: string, workspaceId: string): Promise<string> {
  replay(cookies);
  try {
    await requireWorkspace(workspaceId, "broadcast:read");
    return "ok";
  } catch (err) {
    const digest = String((err as { digest?: string }).digest ?? err);
    return /NEXT_REDIRECT/.test(digest) ? `redirect ${digest.split(";")[2]}` : digest;
  }
}

beforeEach(async () => {
  await prisma.session.deleteMany({});
});

describe("revocable sessions", () => {
  it("a cookie copied before sign-out is refused after it, by an API route (401) and a page (redirect to sign-in)", async () => {
    const user = await signUp({ email: "leaky@example.com", password: PASSWORD, name: "Leaky" });
    const workspaceId = (await prisma.membership.findFirstOrThrow({ where: { userId: user.id } })).workspaceId;
    const captured = await signIn("leaky@example.com");
    expect((await withCookies(captured, workspaces.GET)).status).toBe(200);
    expect(await openPage(captured, workspaceId)).toBe("ok");

    await signOut(captured);

    const replay = await withCookies(captured, workspaces.GET);
    expect(replay.status).toBe(401);
    expect(replay.json.error.code).toBe("unauthorized");
    expect(await openPage(captured, workspaceId)).toBe("redirect /sign-in");
    expect(await prisma.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it("signing out ends only that session; sign out everywhere ends them all", async () => {
    const user = await signUp({ email: "many@example.com", password: PASSWORD, name: "Many" });
    const laptop = await signIn("many@example.com");
    const phone = await signIn("many@example.com");
    const tablet = await signIn("many@example.com");
    await signOut(tablet);
    expect((await withCookies(tablet, workspaces.GET)).status).toBe(401);
    expect((await withCookies(laptop, workspaces.GET)).status).toBe(200);

    const ended = await withCookies(laptop, sessions.DELETE, "DELETE");
    expect(ended).toEqual({ status: 200, json: { ended: 2 } });
    for (const cookies of [laptop, phone]) expect((await withCookies(cookies, workspaces.GET)).status).toBe(401);
    expect(await prisma.session.count({ where: { userId: user.id } })).toBe(0);
    // Signing in again works as before.
    expect((await withCookies(await signIn("many@example.com"), workspaces.GET)).status).toBe(200);
  });

  it("a session past its lifetime is refused although its JWT would still be accepted", async () => {
    await signUp({ email: "old@example.com", password: PASSWORD, name: "Old" });
    const cookies = await signIn("old@example.com");
    await prisma.session.updateMany({ data: { expires: new Date(Date.now() - 1000) } });
    expect((await withCookies(cookies, workspaces.GET)).status).toBe(401);
  });

  it("removal from a workspace denies that workspace at once, on the member's next request", async () => {
    const ownerUser = await signUp({ email: "boss@example.com", password: PASSWORD, name: "Boss" });
    const memberUser = await signUp({ email: "staff@example.com", password: PASSWORD, name: "Staff" });
    const org = await createOrganization(ownerUser, "Removal Inc");
    const membership = await prisma.membership.create({ data: { workspaceId: org.id, userId: memberUser.id, role: "member" } });
    const boss = await signIn("boss@example.com");
    const staff = await signIn("staff@example.com");
    expect((await withCookies(staff, destinations.GET, "GET", { workspaceId: org.id })).status).toBe(200);
    expect(await openPage(staff, org.id)).toBe("ok");

    const removed = await withCookies(boss, member.DELETE, "DELETE", { workspaceId: org.id, membershipId: membership.id });
    expect(removed.status, JSON.stringify(removed.json)).toBeLessThan(300);

    expect((await withCookies(staff, destinations.GET, "GET", { workspaceId: org.id })).status).toBe(404);
    expect(await openPage(staff, org.id)).toMatch(/NEXT_HTTP_ERROR_FALLBACK;404/);
    // Still signed in, with their own workspace.
    expect((await withCookies(staff, workspaces.GET)).json.workspaces).toHaveLength(1);
  });
});

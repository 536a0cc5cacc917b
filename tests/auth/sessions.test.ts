// Sessions end when they should (issue 18.7): the probe replayed a session cookie after signing out
// and it still worked (a 30-day JWT). Proved with real cookies from Auth.js's credentials sign-in,
// replayed against real route handlers and the page gate (requireWorkspace), with next/headers
// answering the headers of the request being replayed, as Next.js would.
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as sessions from "@/app/api/account/sessions/route";
import * as destinations from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as member from "@/app/api/workspaces/[workspaceId]/members/[membershipId]/route";
import * as workspaces from "@/app/api/workspaces/route";
import { signUp } from "@/lib/auth/accounts";
import { requireWorkspace } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { createOrganization } from "../support/accounts";
import { replay, replayedHeaders, signIn as signInAs, signOut, withCookies } from "./real-sessions";

vi.mock("next/headers", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/headers")>()),
  headers: async () => replayedHeaders(),
}));

const PASSWORD = "open sesame 123";
const signIn = (email: string) => signInAs(email, PASSWORD);

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

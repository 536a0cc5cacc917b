// Failed sign-ins get growing delays (issue 18.6): the probe made 200 wrong attempts at 76 per
// second and then signed in with the right password. Proved through Auth.js's own credentials
// endpoint (the authorize of lib/auth/config.ts, as the sign-in form's server action reaches it)
// and the real database; the client address comes in the header the production server sets from
// the connection (lib/api/client-address.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import { PEER_ADDRESS_HEADER } from "@/lib/api/client-address";
import { signUp } from "@/lib/auth/accounts";
import { handlers } from "@/lib/auth/config";
import { blockSeconds, MAX_BLOCK_SECONDS } from "@/lib/auth/sign-in-throttle";
import { prisma } from "@/lib/db";

const ORIGIN = "http://localhost:3999";
const PASSWORD = "correct horse battery";

function cookiesOf(res: Response, previous = ""): string {
  return [previous, ...res.headers.getSetCookie().map((line) => line.split(";")[0])].filter(Boolean).join("; ");
}

/** One sign-in through Auth.js's credentials callback: "ok", "invalid" (wrong password) or "blocked". */
async function signIn(email: string, password: string, address: string): Promise<"ok" | "invalid" | "blocked"> {
  const csrfRes = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/csrf`));
  const { csrfToken } = await csrfRes.json();
  const res = await handlers.POST(
    new NextRequest(`${ORIGIN}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrfRes), "x-forwarded-for": "203.0.113.99", [PEER_ADDRESS_HEADER]: address },
      body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${ORIGIN}/w` }),
    }),
  );
  const location = res.headers.get("location") ?? "";
  if (/authjs\.session-token=/.test(cookiesOf(res))) return "ok";
  if (/code=too_many_attempts/.test(location)) return "blocked";
  expect(location).toMatch(/error=CredentialsSignin&code=credentials/);
  return "invalid";
}

/** Lets every block run out, as if its time had passed (failure counts stay). */
const letBlocksExpire = () => prisma.signInThrottle.updateMany({ data: { blockedUntil: new Date(Date.now() - 1000) } });

beforeEach(() => {
  // As under scripts/server.mjs, which sets this and the peer header.
  vi.stubEnv("TRACECAST_FRONT_SERVER", "1");
  // The first block lasts a second: the clock stands still, so a slow machine cannot outwait it.
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("sign-in throttle", () => {
  it("after 5 failures from one address the right password is refused too, until the growing delay has passed", async () => {
    const user = await signUp({ email: "victim@example.com", password: PASSWORD, name: "Victim" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 6; i++) expect(await signIn("victim@example.com", "wrong guess", "198.51.100.7")).toBe("invalid");
    // The 6th failure started a block: even the right password is not checked now.
    expect(await signIn("victim@example.com", PASSWORD, "198.51.100.7")).toBe("blocked");

    const pair = await prisma.signInThrottle.findUniqueOrThrow({ where: { key: "pair:victim@example.com 198.51.100.7" } });
    expect(pair.failures).toBe(6);
    expect(pair.blockedUntil!.getTime() - pair.lastFailureAt.getTime()).toBe(1000);

    // Attempts during a block are not counted and do not lengthen it.
    for (let i = 0; i < 5; i++) expect(await signIn("victim@example.com", "wrong guess", "198.51.100.7")).toBe("blocked");
    expect(await prisma.signInThrottle.findUniqueOrThrow({ where: { key: pair.key } })).toEqual(pair);

    // The next failure after the block doubles it.
    await letBlocksExpire();
    expect(await signIn("victim@example.com", "wrong guess", "198.51.100.7")).toBe("invalid");
    const doubled = await prisma.signInThrottle.findUniqueOrThrow({ where: { key: pair.key } });
    expect(doubled.blockedUntil!.getTime() - doubled.lastFailureAt.getTime()).toBe(2000);

    // Audited in the account's workspace, once per block start; one server log line.
    const events = await prisma.auditEvent.findMany({ where: { action: "account.sign_in_throttled" } });
    const personal = await prisma.membership.findFirstOrThrow({ where: { userId: user.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ workspaceId: personal.workspaceId, actorId: null, targetId: "victim@example.com" });
    expect(events[0].after).toMatchObject({ address: "198.51.100.7", scope: "pair", failures: 6 });
    expect(warn.mock.calls.filter(([line]) => String(line).includes("failed sign-ins (pair) for victim@example.com"))).toHaveLength(1);

    // Once the delay has passed the right password works, and the account's counts are cleared.
    await letBlocksExpire();
    expect(await signIn("victim@example.com", PASSWORD, "198.51.100.7")).toBe("ok");
    expect(await prisma.signInThrottle.findUnique({ where: { key: pair.key } })).toBeNull();
    expect(await prisma.signInThrottle.findUnique({ where: { key: "account:victim@example.com" } })).toBeNull();
  });

  it("an attacker on one address does not lock the account's owner out from theirs", async () => {
    await signUp({ email: "owner@example.com", password: PASSWORD, name: "Owner" });
    for (let i = 0; i < 8; i++) await signIn("owner@example.com", "wrong guess", "198.51.100.66");
    expect(await signIn("owner@example.com", PASSWORD, "198.51.100.66")).toBe("blocked");
    expect(await signIn("owner@example.com", PASSWORD, "192.0.2.10")).toBe("ok");
  });

  it("a burst of parallel guesses gets no more than the free failures and one more checked", async () => {
    await signUp({ email: "burst@example.com", password: PASSWORD, name: "Burst" });
    const results = await Promise.all(Array.from({ length: 30 }, () => signIn("burst@example.com", "wrong guess", "198.51.100.8")));
    expect(results.filter((r) => r === "invalid")).toHaveLength(6);
    expect(results.filter((r) => r === "blocked")).toHaveLength(24);
    expect(await signIn("burst@example.com", PASSWORD, "198.51.100.8")).toBe("blocked");
  });

  it("one address trying many accounts is slowed down, unknown emails included", async () => {
    for (let i = 0; i < 21; i++) expect(await signIn(`nobody-${i}@example.com`, "guess", "198.51.100.9")).toBe("invalid");
    expect(await signIn("someone-else@example.com", "guess", "198.51.100.9")).toBe("blocked");
  });

  it("many addresses on one account: the account-wide limit, which a forged X-Forwarded-For cannot dodge", async () => {
    await signUp({ email: "popular@example.com", password: PASSWORD, name: "Popular" });
    for (let i = 0; i < 51; i++) expect(await signIn("popular@example.com", "guess", `10.0.${Math.floor(i / 200)}.${i % 200}`)).toBe("invalid");
    expect(await signIn("popular@example.com", PASSWORD, "192.0.2.77")).toBe("blocked");
  });

  it("counts the connection's address, not an X-Forwarded-For the client writes (no trusted proxy set)", async () => {
    const forged = async (i: number) => {
      const csrfRes = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/csrf`));
      const { csrfToken } = await csrfRes.json();
      const res = await handlers.POST(
        new NextRequest(`${ORIGIN}/api/auth/callback/credentials`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrfRes), "x-forwarded-for": `198.18.0.${i}`, [PEER_ADDRESS_HEADER]: "192.0.2.5" },
          body: new URLSearchParams({ email: "target@example.com", password: "guess", csrfToken, callbackUrl: `${ORIGIN}/w` }),
        }),
      );
      return res.headers.get("location") ?? "";
    };
    // Five free failures, a sixth that starts the block: each under another forged X-Forwarded-For.
    for (let i = 0; i < 6; i++) expect(await forged(i)).toMatch(/code=credentials/);
    expect(await forged(6)).toMatch(/code=too_many_attempts/);
  });

  it("delays double from 1 s and never exceed 15 minutes", () => {
    expect([5, 6, 7, 8, 9].map((n) => blockSeconds(n, 5))).toEqual([0, 1, 2, 4, 8]);
    expect(blockSeconds(500, 5)).toBe(MAX_BLOCK_SECONDS);
    expect(MAX_BLOCK_SECONDS).toBe(900);
  });
});

// The Auth.js wiring, end to end through its own route handlers: credentials sign-in yields a JWT
// session carrying the user id, and wrong passwords do not.
import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { signUp } from "@/lib/auth/accounts";
import { authAdapter } from "@/lib/auth/adapter";
import { trustHostFromEnv } from "@/lib/auth/base-config";
import { handlers } from "@/lib/auth/config";
import { prisma } from "@/lib/db";
import { config as proxyConfig, proxy } from "@/proxy";

// NextRequest reports 127.0.0.1 as localhost; using localhost keeps Auth.js's same-origin redirect check simple.
const ORIGIN = "http://localhost:3999";

function cookieHeader(res: Response, previous = ""): string {
  const pairs = [...previous.split("; ").filter(Boolean), ...res.headers.getSetCookie().map((line) => line.split(";")[0])];
  const jar = new Map(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

async function signInWith(email: string, password: string): Promise<{ status: number; location: string | null; cookies: string }> {
  const csrfRes = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/csrf`));
  const { csrfToken } = await csrfRes.json();
  let cookies = cookieHeader(csrfRes);
  const res = await handlers.POST(
    new NextRequest(`${ORIGIN}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
      body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${ORIGIN}/w` }),
    }),
  );
  cookies = cookieHeader(res, cookies);
  return { status: res.status, location: res.headers.get("location"), cookies };
}

async function sessionOf(cookies: string) {
  const res = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/session`, { headers: { cookie: cookies } }));
  return res.json();
}

describe("Auth.js credentials sign-in", () => {
  it("issues a JWT session whose user carries the database id", async () => {
    const user = await signUp({ email: "sam@example.com", password: "open sesame", name: "Sam" });
    const res = await signInWith("SAM@example.com", "open sesame");
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${ORIGIN}/w`);
    expect(res.cookies).toMatch(/authjs\.session-token=/);
    expect(await sessionOf(res.cookies)).toMatchObject({ user: { id: user.id, email: "sam@example.com", name: "Sam" } });
  });

  it("refuses a wrong password with CredentialsSignin and no session", async () => {
    await signUp({ email: "pat@example.com", password: "open sesame", name: "Pat" });
    const res = await signInWith("pat@example.com", "open sesame!");
    expect(res.location).toMatch(/\/sign-in\?error=CredentialsSignin/);
    expect(res.cookies).not.toMatch(/authjs\.session-token=/);
    expect(await sessionOf(res.cookies)).toBeNull();
  });
});

describe("trustHostFromEnv", () => {
  it("reads AUTH_TRUST_HOST as a boolean, unlike Auth.js which trusts any non-empty value", () => {
    expect(trustHostFromEnv({ AUTH_TRUST_HOST: "true", NODE_ENV: "production" })).toBe(true);
    expect(trustHostFromEnv({ AUTH_TRUST_HOST: "1", NODE_ENV: "production" })).toBe(true);
    expect(trustHostFromEnv({ AUTH_TRUST_HOST: "false", NODE_ENV: "development" })).toBe(false);
    expect(trustHostFromEnv({ NODE_ENV: "production" })).toBe(false);
    expect(trustHostFromEnv({ NODE_ENV: "production", AUTH_URL: "https://traces.example.com" })).toBe(true);
    expect(trustHostFromEnv({ NODE_ENV: "development" })).toBe(true);
  });
});

describe("the Auth.js adapter (OAuth sign-up)", () => {
  it("creates the user with their personal workspace and links the provider account", async () => {
    const adapter = authAdapter();
    const user = await adapter.createUser!({ id: "", email: "Octo@Example.com", emailVerified: null, name: "Octo Cat", image: "https://example.com/a.png" });
    expect(user).toMatchObject({ email: "octo@example.com", name: "Octo Cat" });
    await adapter.linkAccount!({ userId: user.id, type: "oauth", provider: "github", providerAccountId: "42" });
    expect(await adapter.getUserByAccount!({ provider: "github", providerAccountId: "42" })).toMatchObject({ id: user.id });
    const memberships = await prisma.membership.findMany({ where: { userId: user.id }, include: { workspace: true } });
    expect(memberships).toMatchObject([{ role: "owner", workspace: { kind: "personal", name: "Octo Cat's workspace" } }]);
  });
});

describe("proxy.ts", () => {
  // proxy is Auth.js's overloaded auth(); called the way Next calls a proxy (request, event).
  const runProxy = (path: string, cookie?: string) => {
    // Next always sets Host and X-Forwarded-Proto; Auth.js builds its session lookup from them.
    const headers: Record<string, string> = { host: new URL(ORIGIN).host, "x-forwarded-proto": "http", ...(cookie ? { cookie } : {}) };
    const asProxy = proxy as unknown as (req: NextRequest, event: unknown) => Promise<Response>;
    return asProxy(new NextRequest(`${ORIGIN}${path}`, { headers }), {});
  };

  it("guards the app's pages", () => {
    expect(proxyConfig.matcher).toEqual(["/w/:path*"]);
  });

  it("sends signed-out visitors of /w/… to the sign-in page, remembering where they were going", async () => {
    const res = await runProxy("/w/abc/members");
    expect(res.status).toBe(307);
    const location = new URL(res.headers.get("location")!);
    expect(location.pathname).toBe("/sign-in");
    expect(location.searchParams.get("callbackUrl")).toBe(`${ORIGIN}/w/abc/members`);
  });

  it("lets signed-in users through", async () => {
    await signUp({ email: "via-proxy@example.com", password: "open sesame", name: "P" });
    const { cookies } = await signInWith("via-proxy@example.com", "open sesame");
    const res = await runProxy("/w/abc/members", cookies);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("x-middleware-next")).toBe("1");
  });
});

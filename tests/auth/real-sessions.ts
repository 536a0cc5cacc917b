// Real Auth.js sessions for route tests: sign in through the credentials callback, keep the cookies
// a browser would hold, and replay them against route handlers with next/headers answering that
// request's headers, as Next.js would. A test file that uses these mocks next/headers with
//   vi.mock("next/headers", async (importOriginal) => ({ ...(await importOriginal()), headers: async () => replayedHeaders() }));
import { expect } from "vitest";
import { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/config";

export const ORIGIN = "http://localhost:3999";

let replayed = new Headers();
/** The headers next/headers answers with (see the vi.mock above). */
export const replayedHeaders = () => replayed;

export function cookiesOf(res: Response, previous = ""): string {
  const pairs = [...previous.split("; ").filter(Boolean), ...res.headers.getSetCookie().map((line) => line.split(";")[0])];
  const jar = new Map(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  return [...jar].filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).join("; ");
}

async function csrf(cookies = "") {
  const res = await handlers.GET(new NextRequest(`${ORIGIN}/api/auth/csrf`, { headers: { cookie: cookies } }));
  return { token: (await res.json()).csrfToken as string, cookies: cookiesOf(res, cookies) };
}

/** Signs in through Auth.js's credentials callback; the cookies a browser would then hold ("" when refused). */
export async function trySignIn(email: string, password: string): Promise<string> {
  const { token, cookies } = await csrf();
  const res = await handlers.POST(
    new NextRequest(`${ORIGIN}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
      body: new URLSearchParams({ email, password, csrfToken: token, callbackUrl: `${ORIGIN}/w` }),
    }),
  );
  const jar = cookiesOf(res, cookies);
  return /authjs\.session-token=/.test(jar) ? jar : "";
}

export async function signIn(email: string, password: string): Promise<string> {
  const jar = await trySignIn(email, password);
  expect(jar).toMatch(/authjs\.session-token=/);
  return jar;
}

/** Signs out through Auth.js's sign-out endpoint, as the sign-out action does. */
export async function signOut(cookies: string) {
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
export function replay(cookies: string) {
  replayed = new Headers({ cookie: cookies, host: new URL(ORIGIN).host, "x-forwarded-proto": "http" });
}

type Handler = (req: NextRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Calls a route handler with the given cookies (and JSON body), as the browser (or someone who copied them) would. */
export async function withCookies(
  cookies: string,
  handler: Handler,
  method = "GET",
  params: Record<string, string> = {},
  body?: unknown,
  headers: Record<string, string> = {},
) {
  replay(cookies);
  const init = body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  const res = await handler(
    new NextRequest(`${ORIGIN}/api/test`, { method, ...init, headers: { cookie: cookies, ...init.headers, ...headers } }),
    { params: Promise.resolve(params) },
  );
  // undefined unless sent, so that toEqual({ status, json }) still matches.
  return { status: res.status, json: await res.json(), retryAfter: res.headers.get("retry-after") ?? undefined };
}

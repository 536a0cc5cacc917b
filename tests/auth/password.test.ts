// Account basics (issue 25.4): forgot password by email (a real SMTP server on loopback), change
// password, profile name; through the real route handlers, with real Auth.js sessions.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as changePasswordRoute from "@/app/api/account/password/route";
import * as profile from "@/app/api/account/profile/route";
import * as resetConfirm from "@/app/api/auth/password-reset/confirm/route";
import * as resetRequest from "@/app/api/auth/password-reset/route";
import * as workspaces from "@/app/api/workspaces/route";
import { signUp } from "@/lib/auth/accounts";
import { RESET_TTL_MS } from "@/lib/auth/password-reset";
import { prisma } from "@/lib/db";
import { startSmtpReceiver, type SmtpReceiver } from "../receivers/smtp";
import { replayedHeaders, signIn, trySignIn, withCookies } from "./real-sessions";

vi.mock("next/headers", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/headers")>()),
  headers: async () => replayedHeaders(),
}));

const PASSWORD = "first password 1";
const NEW_PASSWORD = "second password 2";

let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());
beforeEach(async () => {
  for (const [name, value] of Object.entries(smtp.env())) vi.stubEnv(name, value);
  vi.stubEnv("TRACECAST_TRUSTED_PROXY_HOPS", "1");
  await prisma.requestCounter.deleteMany({});
});
afterEach(() => {
  vi.unstubAllEnvs();
  smtp.messages.length = 0;
});

let client = 0;
/** Another client address (X-Forwarded-For with one trusted proxy). */
const newClient = () => `198.51.100.${++client}`;

const askForReset = (email: string, from = newClient()) =>
  withCookies("", resetRequest.POST, "POST", {}, { email }, { "x-forwarded-for": from });
const confirmReset = (token: string, password: string) => withCookies("", resetConfirm.POST, "POST", {}, { token, password });

/** The token of the reset link in the email. */
function tokenIn(text: string): string {
  const link = /http:\/\/localhost:3999\/reset-password#token=(\S+)/.exec(text);
  expect(link, text).not.toBeNull();
  return decodeURIComponent(link![1]);
}

/** Lets after-response work (the lookup and the email) finish. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("forgot password", () => {
  it("emails a single-use link; using it sets the password and ends every session", async () => {
    const user = await signUp({ email: "forgetful@example.com", password: PASSWORD, name: "Forgetful" });
    const laptop = await signIn(user.email, PASSWORD);

    const asked = await askForReset("Forgetful@Example.com");
    expect(asked.status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(["forgetful@example.com"]);
    expect(mail.subject).toBe("Reset your Tracecast password");
    const token = tokenIn(mail.text);
    // Only the token's hash is stored.
    expect(JSON.stringify(await prisma.passwordReset.findMany())).not.toContain(token);

    expect(await confirmReset(token, NEW_PASSWORD)).toEqual({ status: 200, json: { reset: true } });
    expect((await withCookies(laptop, workspaces.GET)).status).toBe(401);
    expect(await trySignIn(user.email, PASSWORD)).toBe("");
    await signIn(user.email, NEW_PASSWORD);

    const again = await confirmReset(token, "third password 3");
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe("invalid_token");
    await signIn(user.email, NEW_PASSWORD);
  });

  it("answers an unknown email exactly as a known one, and emails nobody", async () => {
    await signUp({ email: "known@example.com", password: PASSWORD, name: "Known" });
    const unknown = await askForReset("nobody@example.com");
    await settle();
    const known = await askForReset("known@example.com");
    expect(unknown).toEqual(known);
    await smtp.waitFor(1);
    await settle();
    expect(smtp.messages.map((m) => m.to)).toEqual([["known@example.com"]]);
  });

  it("refuses an expired link, and a new link ends the older ones when used", async () => {
    const user = await signUp({ email: "late@example.com", password: PASSWORD, name: "Late" });
    await askForReset(user.email);
    await askForReset(user.email);
    const [first, second] = (await smtp.waitFor(2)).map((m) => tokenIn(m.text));
    await prisma.passwordReset.updateMany({ data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await confirmReset(first, NEW_PASSWORD)).json.error.code).toBe("invalid_token");

    await prisma.passwordReset.updateMany({ data: { expiresAt: new Date(Date.now() + RESET_TTL_MS) } });
    expect((await confirmReset(second, NEW_PASSWORD)).status).toBe(200);
    expect((await confirmReset(first, NEW_PASSWORD)).json.error.code).toBe("invalid_token");
  });

  it("sends one address at most 3 emails an hour, with the usual answer", async () => {
    const user = await signUp({ email: "flooded@example.com", password: PASSWORD, name: "Flooded" });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await askForReset(user.email)).status);
    expect(answers).toEqual([202, 202, 202, 202, 202]);
    await smtp.waitFor(3);
    await settle();
    expect(smtp.messages).toHaveLength(3);
  });

  it("refuses a client after 10 requests an hour (429 with Retry-After); other clients go on", async () => {
    const scanner = newClient();
    for (let i = 0; i < 10; i++) expect((await askForReset(`probe${i}@example.com`, scanner)).status).toBe(202);
    const refused = await askForReset("probe10@example.com", scanner);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("too_many_requests");
    expect(Number(refused.retryAfter)).toBeGreaterThan(3000);
    expect((await askForReset("probe10@example.com")).status).toBe(202);
  });

  it("says that email is not configured (503) rather than pretending to send", async () => {
    vi.stubEnv("TRACECAST_SMTP_HOST", "");
    const res = await askForReset("someone@example.com");
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("email_not_configured");
  });

  it("refuses a short new password, naming the field", async () => {
    const res = await confirmReset("whatever", "short");
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([{ path: "password", message: "At least 8 characters" }]);
  });
});

describe("change password", () => {
  it("needs the current password; ends the other sessions and keeps this one", async () => {
    const user = await signUp({ email: "changer@example.com", password: PASSWORD, name: "Changer" });
    const here = await signIn(user.email, PASSWORD);
    const elsewhere = await signIn(user.email, PASSWORD);

    const wrong = await withCookies(here, changePasswordRoute.POST, "POST", {}, { currentPassword: "not it at all", newPassword: NEW_PASSWORD });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.fields).toEqual([{ path: "currentPassword", message: "This is not your current password" }]);

    const changed = await withCookies(here, changePasswordRoute.POST, "POST", {}, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(changed).toEqual({ status: 200, json: { endedSessions: 1 } });
    expect((await withCookies(here, workspaces.GET)).status).toBe(200);
    expect((await withCookies(elsewhere, workspaces.GET)).status).toBe(401);
    expect(await trySignIn(user.email, PASSWORD)).toBe("");
    await signIn(user.email, NEW_PASSWORD);
  });

  it("a stolen session cannot guess the current password faster than sign-in allows", async () => {
    const user = await signUp({ email: "guessed@example.com", password: PASSWORD, name: "Guessed" });
    const stolen = await signIn(user.email, PASSWORD);
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await withCookies(stolen, changePasswordRoute.POST, "POST", {}, { currentPassword: `guess ${i} guess`, newPassword: NEW_PASSWORD })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses.at(-1)).toBe(429);
  });

  it("is refused when signed out", async () => {
    expect((await withCookies("", changePasswordRoute.POST, "POST", {}, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(401);
  });
});

describe("profile", () => {
  it("renames the user; an empty name is refused naming the field", async () => {
    const user = await signUp({ email: "renamed@example.com", password: PASSWORD, name: "Old Name" });
    const cookies = await signIn(user.email, PASSWORD);
    expect(await withCookies(cookies, profile.PATCH, "PATCH", {}, { name: "  New Name " })).toEqual({
      status: 200,
      json: { user: { id: user.id, email: user.email, name: "New Name" } },
    });
    const empty = await withCookies(cookies, profile.PATCH, "PATCH", {}, { name: " " });
    expect(empty.status).toBe(400);
    expect(empty.json.error.fields).toEqual([{ path: "name", message: "Name is required" }]);
  });
});

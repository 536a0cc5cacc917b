import { describe, expect, it } from "vitest";
import { POST as signUpRoute } from "@/app/api/auth/sign-up/route";
import { authenticateWithPassword, signUp } from "@/lib/auth/accounts";
import { verifyPassword } from "@/lib/auth/password";
import { prisma } from "@/lib/db";
import { ApiError } from "@/lib/errors";
import { call } from "../support/accounts";

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("signUp", () => {
  it("creates the user with an argon2id hash, their personal workspace and owner membership", async () => {
    const user = await signUp({ email: "  Grace@Example.COM ", password: "correct horse", name: "Grace" });
    expect(user).toEqual({ id: expect.any(String), email: "grace@example.com", name: "Grace" });

    const row = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain("correct horse");
    expect(await verifyPassword(row.passwordHash!, "correct horse")).toBe(true);
    expect(await verifyPassword(row.passwordHash!, "wrong horse")).toBe(false);

    const memberships = await prisma.membership.findMany({ where: { userId: user.id }, include: { workspace: true } });
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ role: "owner", workspace: { kind: "personal", name: "Grace's workspace" } });
    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: memberships[0].workspaceId } });
    expect(audit).toMatchObject([{ action: "workspace.create", actorId: user.id, actorLabel: "grace@example.com" }]);
  });

  it("rejects invalid input with a 400 naming each bad field", async () => {
    const err = await rejection(signUp({ email: "not-an-email", password: "short", name: "  " }));
    expect(err.status).toBe(400);
    expect(err.fields?.map((f) => f.path).sort()).toEqual(["email", "name", "password"]);
    expect(await prisma.user.count({ where: { email: "not-an-email" } })).toBe(0);
  });

  it("refuses a second account for the same email, whatever its case, with 409 on email", async () => {
    await signUp({ email: "ada@example.com", password: "password-1", name: "Ada" });
    const err = await rejection(signUp({ email: "ADA@example.com", password: "password-2", name: "Other" }));
    expect(err).toMatchObject({ status: 409, fields: [{ path: "email" }] });
    expect(await prisma.user.count({ where: { email: { equals: "ada@example.com", mode: "insensitive" } } })).toBe(1);
    expect(await prisma.workspace.count({ where: { name: "Other's workspace" } })).toBe(0);
  });
});

describe("authenticateWithPassword (Auth.js credentials)", () => {
  it("accepts the right password only, case-insensitively on the email", async () => {
    const user = await signUp({ email: "lin@example.com", password: "s3cret-pass", name: "Lin" });
    expect(await authenticateWithPassword({ email: "LIN@example.com", password: "s3cret-pass" })).toEqual(user);
    expect(await authenticateWithPassword({ email: "lin@example.com", password: "s3cret-pasS" })).toBeNull();
    expect(await authenticateWithPassword({ email: "nobody@example.com", password: "s3cret-pass" })).toBeNull();
    expect(await authenticateWithPassword({ email: "lin@example.com" })).toBeNull();
  });

  it("never lets a password-less (OAuth) account in with a password", async () => {
    await prisma.user.create({ data: { email: "oauth@example.com", name: "O" } });
    expect(await authenticateWithPassword({ email: "oauth@example.com", password: "anything" })).toBeNull();
  });
});

describe("POST /api/auth/sign-up", () => {
  it("needs no session and answers 201 with the user, never the hash", async () => {
    const res = await call(signUpRoute, { method: "POST", body: { email: "kim@example.com", password: "long enough", name: "Kim" } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ user: { id: expect.any(String), email: "kim@example.com", name: "Kim" } });
  });

  it("answers 400 naming the field, and 409 for a taken email", async () => {
    const bad = await call(signUpRoute, { method: "POST", body: { email: "kim@example.com", password: "x", name: "Kim" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields).toEqual([{ path: "password", message: expect.any(String) }]);

    await call(signUpRoute, { method: "POST", body: { email: "kim@example.com", password: "long enough", name: "Kim" } });
    const taken = await call(signUpRoute, { method: "POST", body: { email: "kim@example.com", password: "long enough", name: "Kim" } });
    expect(taken.status).toBe(409);
    expect(taken.json.error.fields).toEqual([{ path: "email", message: expect.any(String) }]);
  });
});

// Email + password accounts: sign-up and the credentials check behind Auth.js sign-in.
import "server-only";
import { z } from "zod";
import { clientAddressOf } from "@/lib/api/client-address";
import { ApiError, parseInput } from "@/lib/errors";
import { hashPassword, verifyDecoyPassword, verifyPassword } from "@/lib/auth/password";
import type { SessionUser } from "@/lib/auth/session-user";
import { chargeSignInAttempt, SignInBlocked, signInSucceeded } from "@/lib/auth/sign-in-throttle";
import { prisma } from "@/lib/db";
import { createUserWithPersonalWorkspace, emailSchema, emailTaken, nameSchema } from "@/lib/workspaces/provision";

export const PASSWORD_MIN_LENGTH = 8;
// argon2 accepts anything, but hashing megabytes on request would be a cheap denial of service.
const PASSWORD_MAX_LENGTH = 256;

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `At least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `At most ${PASSWORD_MAX_LENGTH} characters`);

export const signUpSchema = z.object({
  email: emailSchema,
  password: newPasswordSchema,
  name: nameSchema,
});
export type SignUpInput = z.input<typeof signUpSchema>;

/**
 * Creates a user with an argon2id password hash, their personal workspace ("<name>'s workspace")
 * and their owner membership, all in one transaction. Invalid input is a 400 naming the field; a
 * taken email a 409 on `email`.
 */
export async function signUp(input: SignUpInput): Promise<SessionUser> {
  const { email, password, name } = parseInput(signUpSchema, input);
  // Checked before hashing so a taken email costs no argon2 time; the unique index still decides races.
  if (await prisma.user.findUnique({ where: { email }, select: { id: true } })) throw emailTaken();
  const passwordHash = await hashPassword(password);
  const user = await prisma.$transaction((tx) => createUserWithPersonalWorkspace(tx, { email, name, passwordHash }));
  return { id: user.id, email: user.email, name: user.name };
}

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

/**
 * The client address a sign-in is counted under (lib/api/client-address.ts); "unknown" where none is
 * known (`next dev`): then only the account-wide limit of lib/auth/sign-in-throttle.ts tells
 * clients apart, and a guesser still cannot go faster than it allows.
 */
export function signInAddress(headers: Pick<Headers, "get"> | undefined): string {
  return (headers && clientAddressOf({ headers })) || "unknown";
}

/**
 * The user whose email and password these are, or null (unknown email and wrong password take
 * equally long). Throws SignInBlocked (lib/auth/sign-in-throttle.ts) without checking the password
 * while this account or address is blocked after too many failures.
 */
export async function authenticateWithPassword(credentials: unknown, request?: { headers: Pick<Headers, "get"> }): Promise<SessionUser | null> {
  const parsed = credentialsSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const attempt = { email, address: signInAddress(request?.headers) };
  await chargeSignInAttempt(attempt);
  const user = await prisma.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  // OAuth-only users have no password hash: they sign in with their provider.
  if (!user?.passwordHash) return verifyDecoyPassword(password).then(() => null);
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  await signInSucceeded(attempt);
  return { id: user.id, email: user.email, name: user.name };
}

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password").max(PASSWORD_MAX_LENGTH),
  newPassword: newPasswordSchema,
});

/**
 * Changes the user's password after checking the current one, which counts against the sign-in
 * throttle like a sign-in (a stolen session cannot guess it faster), and ends every other session
 * of the user: whoever knew the old password is signed out; this browser stays signed in.
 */
export async function changePassword(user: SessionUser, currentSessionId: string, input: unknown, address: string): Promise<{ endedSessions: number }> {
  const { currentPassword, newPassword } = parseInput(changePasswordSchema, input);
  const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
  if (!stored.passwordHash) {
    const message = "Your account signs in with GitHub or Google and has no password yet. Use “Forgot password” on the sign-in page to set one.";
    throw new ApiError(400, "no_password", message, [{ path: "currentPassword", message }]);
  }
  const attempt = { email: user.email, address };
  try {
    await chargeSignInAttempt(attempt);
  } catch (err) {
    if (!(err instanceof SignInBlocked)) throw err;
    const seconds = Math.max(1, Math.ceil((err.retryAt.getTime() - Date.now()) / 1000));
    throw new ApiError(429, "too_many_attempts", `Too many wrong passwords. Try again in ${seconds} s.`, undefined, { "Retry-After": String(seconds) });
  }
  if (!(await verifyPassword(stored.passwordHash, currentPassword))) {
    throw new ApiError(400, "invalid_request", "Your current password is wrong", [{ path: "currentPassword", message: "This is not your current password" }]);
  }
  await signInSucceeded(attempt);
  const passwordHash = await hashPassword(newPassword);
  const [, , ended] = await prisma.$transaction([
    prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
    prisma.passwordReset.deleteMany({ where: { userId: user.id } }),
    prisma.session.deleteMany({ where: { userId: user.id, sessionToken: { not: currentSessionId } } }),
  ]);
  return { endedSessions: ended.count };
}

export const profileSchema = z.object({ name: nameSchema });

/** Renames the user (their personal workspace keeps its name). */
export async function updateProfile(user: SessionUser, input: unknown): Promise<SessionUser> {
  const { name } = parseInput(profileSchema, input);
  return prisma.user.update({ where: { id: user.id }, data: { name }, select: { id: true, email: true, name: true } });
}

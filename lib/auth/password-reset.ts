// Forgotten passwords (issue 25.4): a reset link by email, and setting a new password with it.
// The link carries a random token (lib/tokens.ts); only its sha256 is stored, it expires after
// RESET_TTL_MS and works once, and using it ends every session of the user (whoever had their old
// password is signed out). Asking for a link answers the same whether or not the email has an
// account: the lookup, the token and the email happen after the response (runAfterResponse), so
// not even the response time tells. Links are limited per email address (no flood of a victim's
// inbox) and per client address (no sweep through many addresses), like failed sign-ins.
import "server-only";
import { z } from "zod";
import { ApiError, parseInput } from "@/lib/errors";
import { newPasswordSchema } from "@/lib/auth/accounts";
import { hashPassword } from "@/lib/auth/password";
import { countRequest, forgetOldCounters } from "@/lib/auth/request-limit";
import { prisma } from "@/lib/db";
import { sendEmail } from "@/lib/email/send";
import { emailConfigured } from "@/lib/email/settings";
import { sha256Hex } from "@/lib/hash";
import { randomToken } from "@/lib/tokens";
import { emailSchema } from "@/lib/workspaces/provision";

export const RESET_TTL_MS = 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** Reset emails one address may be sent per hour: enough to retry, too few to flood an inbox. */
export const RESETS_PER_EMAIL = { limit: 3, windowMs: HOUR_MS };
/** Reset requests one client address may make per hour, whichever emails it names. */
export const RESETS_PER_CLIENT = { limit: 10, windowMs: HOUR_MS };

export const RESET_PAGE_PATH = "/reset-password";
/** The link in the email. The token is in the fragment: browsers never send it to a server, so it stays out of access logs and Referer headers. */
export const resetLink = (token: string, requestOrigin: string) =>
  `${new URL(RESET_PAGE_PATH, process.env.AUTH_URL?.trim() || requestOrigin).toString()}#token=${encodeURIComponent(token)}`;

export const RESET_REQUESTED_MESSAGE = "If an account uses this email, a reset link is on its way. It works once, for an hour.";
export const EMAIL_NOT_CONFIGURED_MESSAGE = "Password reset by email is not available: this server has no email (SMTP) settings. Ask its administrator to reset your password.";

export const forgotPasswordSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({
  token: z.string().trim().min(1, "The reset link has no token").max(200, "The reset link's token is too long"),
  password: newPasswordSchema,
});

/**
 * Counts the request and returns the work to do after the response (null: nothing to send). Throws
 * 503 when this server has no email, 429 with Retry-After when the client asked too often. An
 * address over its own limit gets the usual answer and no email.
 */
export async function requestPasswordReset(
  input: unknown,
  request: { client: string | undefined; origin: string },
  now = new Date(),
): Promise<(() => Promise<void>) | null> {
  if (!emailConfigured()) throw new ApiError(503, "email_not_configured", EMAIL_NOT_CONFIGURED_MESSAGE);
  const { email } = parseInput(forgotPasswordSchema, input);
  // Without a known client address (`next dev`) every client would share one count: the per-email limit still holds.
  if (request.client) {
    const wait = await countRequest(`reset-client:${request.client}`, RESETS_PER_CLIENT, now);
    if (wait) throw new ApiError(429, "too_many_requests", `Too many reset requests from your address. Try again in ${Math.ceil(wait / 60)} minutes.`, undefined, { "Retry-After": String(wait) });
  }
  if (await countRequest(`reset-email:${email}`, RESETS_PER_EMAIL, now)) return null;
  return () => sendResetLink(email, request.origin, now);
}

async function sendResetLink(email: string, origin: string, now: Date): Promise<void> {
  await forgetOldCounters(24 * HOUR_MS, now);
  const user = await prisma.user.findUnique({ where: { email }, select: { id: true, name: true } });
  if (!user) return;
  const token = randomToken();
  const reset = await prisma.passwordReset.create({
    data: { userId: user.id, tokenHash: sha256Hex(token), expiresAt: new Date(now.getTime() + RESET_TTL_MS) },
  });
  try {
    await sendEmail({
      to: email,
      subject: "Reset your Tracecast password",
      text: [
        `Hello${user.name ? ` ${user.name}` : ""},`,
        "",
        "Someone (hopefully you) asked to reset the password of your Tracecast account. Choose a new one here:",
        "",
        resetLink(token, origin),
        "",
        `The link works once, for ${RESET_TTL_MS / 60_000} minutes. Setting a new password signs you out everywhere.`,
        "If you did not ask for this, ignore this email: your password stays as it is.",
      ].join("\n"),
    });
  } catch (err) {
    // A link nobody received must not stay usable.
    await prisma.passwordReset.deleteMany({ where: { id: reset.id } });
    console.error(`[auth] could not send the password-reset email: ${(err as Error).message}`);
  }
}

const INVALID_LINK = "This reset link is invalid, used or expired. Ask for a new one.";

/** Sets the password of the link's user, ends the link (and their other links) and every session of theirs. */
export async function resetPassword(input: unknown, now = new Date()): Promise<void> {
  const { token, password } = parseInput(resetPasswordSchema, input);
  const reset = await prisma.passwordReset.findUnique({ where: { tokenHash: sha256Hex(token) }, select: { id: true, userId: true, expiresAt: true } });
  if (!reset || reset.expiresAt <= now) throw new ApiError(400, "invalid_token", INVALID_LINK, [{ path: "token", message: INVALID_LINK }]);
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    // Deleting it is what makes the link single-use: of two concurrent uses, one deletes nothing.
    const { count } = await tx.passwordReset.deleteMany({ where: { id: reset.id, expiresAt: { gt: now } } });
    if (count === 0) throw new ApiError(400, "invalid_token", INVALID_LINK, [{ path: "token", message: INVALID_LINK }]);
    await tx.user.update({ where: { id: reset.userId }, data: { passwordHash } });
    await tx.passwordReset.deleteMany({ where: { userId: reset.userId } });
    await tx.session.deleteMany({ where: { userId: reset.userId } });
  });
}

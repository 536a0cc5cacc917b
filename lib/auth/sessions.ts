// Revocable sessions (issue 18.7). Credentials sign-in needs Auth.js's JWT strategy, and a JWT
// stays valid until it expires, whatever happens to the cookie in the browser that signed out. So
// every sign-in also writes a Session row (the Auth.js adapter's table) whose random id the JWT
// carries (`sid`), and lib/auth/session.ts accepts a JWT only while its row exists: one indexed
// read per request, the same one that loads the user. Signing out deletes the row; "sign out
// everywhere" deletes every row of the user (so would a password change). A row also ends
// SESSION_MAX_AGE_SECONDS after sign-in, however active the session: an absolute lifetime.
import "server-only";
import crypto from "node:crypto";
import { SESSION_MAX_AGE_SECONDS } from "@/lib/auth/base-config";
import { prisma } from "@/lib/db";

/** A new session of the user: its id, for the JWT. Expired rows of the user are cleared on the way. */
export async function startSession(userId: string, now = new Date()): Promise<string> {
  const sessionToken = crypto.randomBytes(32).toString("base64url");
  await prisma.$transaction([
    prisma.session.deleteMany({ where: { userId, expires: { lt: now } } }),
    prisma.session.create({ data: { sessionToken, userId, expires: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000) } }),
  ]);
  return sessionToken;
}

/** Ends one session (sign-out). */
export async function endSession(sessionId: string): Promise<void> {
  await prisma.session.deleteMany({ where: { sessionToken: sessionId } });
}

/** Ends every session of the user: sign out everywhere, and what a password change must call. Returns how many. */
export async function endAllSessions(userId: string): Promise<number> {
  return (await prisma.session.deleteMany({ where: { userId } })).count;
}

/** The user of a live session, or null when it was ended, has expired or belongs to someone else. */
export async function liveSessionUser(userId: string, sessionId: string, now = new Date()) {
  const row = await prisma.session.findUnique({
    where: { sessionToken: sessionId },
    select: { expires: true, user: { select: { id: true, email: true, name: true } } },
  });
  return row && row.user.id === userId && row.expires > now ? row.user : null;
}

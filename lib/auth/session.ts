// The signed-in user of the current request.
import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/lib/auth/config";
import { SIGN_IN_PATH } from "@/lib/auth/base-config";
import { liveSessionUser } from "@/lib/auth/sessions";
import type { SessionUser } from "@/lib/auth/session-user";


/**
 * The user behind the session cookie, read from the database with the JWT's Session row (one query
 * per request thanks to cache()), so the still-valid JWT of a deleted user or of a session that was
 * signed out authenticates nobody (lib/auth/sessions.ts). null when signed out.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id || !session.sessionId) return null;
  return liveSessionUser(id, session.sessionId);
});

/** For server components and server actions: the signed-in user, or a redirect to the sign-in page. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(SIGN_IN_PATH);
  return user;
}

/** The id of the current request's Session row (lib/auth/sessions.ts), or null when signed out. */
export const getSessionId = cache(async (): Promise<string | null> => (await auth())?.sessionId ?? null);

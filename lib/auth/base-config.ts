// The part of the Auth.js configuration that needs no database: session strategy, pages and the
// callbacks that read the JWT. proxy.ts builds its gate from this alone (it only has to read the
// session cookie); lib/auth/config.ts adds the adapter and the providers.
import type { NextAuthConfig } from "next-auth";

/**
 * Whether Auth.js may trust the Host / X-Forwarded-Host headers to build its URLs. Auth.js itself
 * treats any non-empty AUTH_TRUST_HOST as true (even "false"), so the value is parsed here. Unset:
 * trusted when AUTH_URL pins the origin or outside production, as Auth.js does.
 */
export function trustHostFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  const flag = env.AUTH_TRUST_HOST?.trim().toLowerCase();
  if (flag) return flag === "true" || flag === "1" || flag === "yes";
  return Boolean(env.AUTH_URL) || env.NODE_ENV !== "production";
}

export const SIGN_IN_PATH = "/sign-in";
/** How long a session lasts after sign-in (Auth.js's default cookie lifetime, and the Session row's: lib/auth/sessions.ts). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

declare module "next-auth" {
  interface Session {
    /** The Session row this JWT belongs to (lib/auth/sessions.ts); absent in JWTs from before revocable sessions. */
    sessionId?: string;
  }
}

export const baseAuthConfig = {
  trustHost: trustHostFromEnv(),
  // Credentials sign-in requires JWT sessions; the session user is re-read from the database on
  // every request with the JWT's Session row (lib/auth/session.ts), so a deleted user's cookie, or
  // one whose session was signed out, stops working at once.
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  // Auth.js errors (wrong password, OAuthAccountNotLinked…) come back to the sign-in page as ?error=<type>.
  pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
  providers: [],
  callbacks: {
    authorized: ({ auth }) => Boolean(auth?.user?.id),
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      if (typeof token.sid === "string") session.sessionId = token.sid;
      return session;
    },
  },
} satisfies NextAuthConfig;

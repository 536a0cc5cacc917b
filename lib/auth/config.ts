// Auth.js: email + password (argon2id) always; GitHub and Google only when their client id and
// secret are configured. OAuth users are stored through the Prisma adapter, and every new user —
// whichever way they signed up — gets a personal workspace in the same transaction.
import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { authenticateWithPassword } from "@/lib/auth/accounts";
import { authAdapter } from "@/lib/auth/adapter";
import { baseAuthConfig } from "@/lib/auth/base-config";
import { endSession, startSession } from "@/lib/auth/sessions";
import { MAX_BLOCK_SECONDS, SignInBlocked } from "@/lib/auth/sign-in-throttle";

export type OAuthProvider = { id: "github" | "google"; name: string };

// Auth.js reads each provider's AUTH_<ID>_ID / AUTH_<ID>_SECRET itself; listing a provider whose
// variables are missing would only break its sign-in button, so it is left out instead.
const OAUTH: { info: OAuthProvider; env: [string, string]; provider: Provider }[] = [
  { info: { id: "github", name: "GitHub" }, env: ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"], provider: GitHub },
  { info: { id: "google", name: "Google" }, env: ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"], provider: Google },
];

const configuredOAuth = OAUTH.filter(({ env }) => env.every((name) => Boolean(process.env[name]?.trim())));

/** The OAuth providers switched on by the environment, for the sign-in page's buttons. */
export const oauthProviders: OAuthProvider[] = configuredOAuth.map((o) => o.info);

/** Sign-in refused before the password was checked: too many failures (lib/auth/sign-in-throttle.ts). */
export class TooManySignInAttempts extends CredentialsSignin {
  code = "too_many_attempts";
}
export const TOO_MANY_ATTEMPTS_MESSAGE = `Too many failed sign-ins. Wait a little (at most ${MAX_BLOCK_SECONDS / 60} minutes), then try again.`;

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...baseAuthConfig,
  adapter: authAdapter(),
  providers: [
    Credentials({
      credentials: { email: { type: "email", label: "Email" }, password: { type: "password", label: "Password" } },
      async authorize(credentials, request) {
        try {
          return await authenticateWithPassword(credentials, request);
        } catch (err) {
          if (err instanceof SignInBlocked) throw new TooManySignInAttempts();
          throw err;
        }
      },
    }),
    ...configuredOAuth.map((o) => o.provider),
  ],
  callbacks: {
    ...baseAuthConfig.callbacks,
    // Accounts are keyed by email: a provider that returns none cannot sign in.
    signIn: ({ user }) => Boolean(user.email),
    // `user` is set only at sign-in: the new JWT gets its Session row (lib/auth/sessions.ts).
    async jwt({ token, user }) {
      if (user?.id) token.sid = await startSession(user.id);
      return token;
    },
  },
  events: {
    // Signing out ends the session on the server too: a copy of the cookie is worth nothing after.
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endSession(sid);
    },
  },
});

"use server";
// Server actions behind the sign-in, sign-up and sign-out forms. Auth.js signs the user in and
// redirects by throwing NEXT_REDIRECT, which must propagate; only Auth.js's own errors are caught.
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { signUp } from "@/lib/auth/accounts";
import { oauthProviders, signIn, signOut, TOO_MANY_ATTEMPTS_MESSAGE, TooManySignInAttempts } from "@/lib/auth/config";
import { SIGN_IN_PATH } from "@/lib/auth/base-config";
import { getSessionUser } from "@/lib/auth/session";
import { safeCallbackPath, withCallback } from "@/lib/safe-redirect";
import { workspacePath } from "@/lib/workspace-paths";
import { acceptInvite, invitePath } from "@/lib/workspaces/invites";

export type AuthFormState = {
  /** A message about the whole form ("Invalid email or password"). */
  error?: string;
  /** Messages for single fields, keyed by the field's name. */
  fields?: Partial<Record<"email" | "password" | "name", string>>;
};

const INVALID_CREDENTIALS = "Invalid email or password";

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

async function signInWithPassword(email: string, password: string, callbackUrl: string): Promise<AuthFormState> {
  try {
    await signIn("credentials", { email, password, redirectTo: safeCallbackPath(callbackUrl) });
  } catch (err) {
    if (err instanceof AuthError) {
      if (err instanceof TooManySignInAttempts) return { error: TOO_MANY_ATTEMPTS_MESSAGE };
      return { error: err.type === "CredentialsSignin" ? INVALID_CREDENTIALS : "Sign-in failed. Try again." };
    }
    throw err;
  }
  return {};
}

export async function signInAction(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = text(form, "email").trim();
  const password = text(form, "password");
  const fields: AuthFormState["fields"] = {};
  if (!email) fields.email = "Enter your email";
  if (!password) fields.password = "Enter your password";
  if (fields.email || fields.password) return { fields };
  return signInWithPassword(email, password, text(form, "callbackUrl"));
}

const providerIdSchema = z.enum(["github", "google"]);

export async function signInWithProviderAction(form: FormData): Promise<void> {
  const provider = providerIdSchema.parse(text(form, "provider"));
  // Only providers the environment configured are registered with Auth.js.
  if (!oauthProviders.some((p) => p.id === provider)) throw new Error(`Sign-in with ${provider} is not configured`);
  await signIn(provider, { redirectTo: safeCallbackPath(text(form, "callbackUrl")) });
}

const SIGN_UP_FIELDS = ["email", "password", "name"] as const;

export async function signUpAction(_prev: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = text(form, "email");
  const password = text(form, "password");
  try {
    await signUp({ email, password, name: text(form, "name") });
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const fields: AuthFormState["fields"] = {};
    for (const issue of err.fields ?? []) {
      const name = SIGN_UP_FIELDS.find((f) => f === issue.path);
      if (name) fields[name] ??= issue.message;
    }
    return Object.keys(fields).length > 0 ? { fields } : { error: err.message };
  }
  return signInWithPassword(email, password, text(form, "callbackUrl"));
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: SIGN_IN_PATH });
}

export type InviteActionState = { error?: string };

/** Joins the invite's workspace as the signed-in user and opens it. */
export async function acceptInviteAction(_prev: InviteActionState, form: FormData): Promise<InviteActionState> {
  const token = text(form, "token");
  const user = await getSessionUser();
  if (!user) redirect(withCallback(SIGN_IN_PATH, invitePath(token)));
  let workspaceId: string;
  try {
    ({ workspaceId } = await acceptInvite(user, { token }));
  } catch (err) {
    if (err instanceof ApiError) return { error: err.message };
    throw err;
  }
  redirect(workspacePath(workspaceId, "observability"));
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/auth-forms";
import { OAuthButtons } from "@/components/auth/oauth-buttons";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { oauthProviders } from "@/lib/auth/config";
import { getSessionUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

// Auth.js sends failed OAuth and credentials sign-ins back here as ?error=<type>.
const AUTH_ERRORS: Record<string, string> = {
  CredentialsSignin: "Invalid email or password",
  OAuthAccountNotLinked: "This email already has an account with another sign-in method. Sign in with that one.",
  AccessDenied: "Sign-in was denied.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }>;
}) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const errorType = typeof params.error === "string" ? params.error : undefined;
  const initialError = errorType ? (AUTH_ERRORS[errorType] ?? "Sign-in failed. Try again.") : undefined;

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Sign in</CardTitle>
        <CardDescription>Welcome back to Tracecast.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <OAuthButtons providers={oauthProviders} callbackUrl={callbackUrl} />
        <SignInForm callbackUrl={callbackUrl} initialError={initialError} />
      </CardContent>
    </Card>
  );
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignUpForm } from "@/components/auth/auth-forms";
import { OAuthButtons } from "@/components/auth/oauth-buttons";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/accounts";
import { oauthProviders } from "@/lib/auth/config";
import { getSessionUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/safe-redirect";

export const metadata: Metadata = { title: "Create account" };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[] }>;
}) {
  const callbackUrl = safeCallbackPath((await searchParams).callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Create your account</CardTitle>
        <CardDescription>You get a personal workspace to start broadcasting traces.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <OAuthButtons providers={oauthProviders} callbackUrl={callbackUrl} />
        <SignUpForm callbackUrl={callbackUrl} passwordMinLength={PASSWORD_MIN_LENGTH} />
      </CardContent>
    </Card>
  );
}

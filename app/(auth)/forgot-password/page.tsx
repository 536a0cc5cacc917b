import type { Metadata } from "next";
import Link from "next/link";
import { ForgotPasswordForm } from "@/components/auth/password-reset-forms";
import { FormError } from "@/components/ui/form-field";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EMAIL_NOT_CONFIGURED_MESSAGE } from "@/lib/auth/password-reset";
import { emailConfigured } from "@/lib/email/settings";

export const metadata: Metadata = { title: "Forgot password" };
// Whether email is configured is read from the environment at request time, not at build time.
export const dynamic = "force-dynamic";

export default function ForgotPasswordPage() {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Forgot your password?</CardTitle>
        <CardDescription>We email you a link to choose a new one.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {emailConfigured() ? (
          <ForgotPasswordForm />
        ) : (
          <>
            <FormError message={EMAIL_NOT_CONFIGURED_MESSAGE} />
            <Link href="/sign-in" className="text-center text-sm font-medium underline-offset-4 hover:underline">
              Back to sign in
            </Link>
          </>
        )}
      </CardContent>
    </Card>
  );
}

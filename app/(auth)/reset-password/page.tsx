import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/auth/password-reset-forms";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/accounts";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default function ResetPasswordPage() {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Choose a new password</CardTitle>
        <CardDescription>The link from your email works once.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <ResetPasswordForm passwordMinLength={PASSWORD_MIN_LENGTH} />
      </CardContent>
    </Card>
  );
}

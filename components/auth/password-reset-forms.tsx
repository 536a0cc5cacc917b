"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { CircleCheckIcon, Loader2Icon } from "lucide-react";
import * as z from "zod/mini";
import { Button } from "@/components/ui/button";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { api, errorMessage, fieldErrorsOf } from "@/lib/api/client";

const requested = z.object({ message: z.string() });
const done = z.object({ reset: z.boolean() });

function Done({ children }: { children: React.ReactNode }) {
  return (
    <div role="status" className="bg-muted/60 flex gap-2 rounded-md border px-3 py-3 text-sm">
      <CircleCheckIcon className="text-success mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="grid gap-2">{children}</div>
    </div>
  );
}

function Submit({ pending, children }: { pending: boolean; children: React.ReactNode }) {
  return (
    <Button type="submit" className="w-full" disabled={pending}>
      {pending && <Loader2Icon className="animate-spin" aria-hidden />}
      {children}
    </Button>
  );
}

const backToSignIn = (
  <Link href="/sign-in" className="text-foreground font-medium underline-offset-4 hover:underline">
    Back to sign in
  </Link>
);

/** Asks for a reset link; the answer reads the same whether the email has an account or not. */
export function ForgotPasswordForm() {
  const ask = useMutation({ mutationFn: (email: string) => api.post("/api/auth/password-reset", requested, { email }) });
  if (ask.data) {
    return (
      <Done>
        <p>{ask.data.message}</p>
        <p className="text-muted-foreground">Nothing after a few minutes? Check the spelling and your spam folder, then ask again.</p>
        <p>{backToSignIn}</p>
      </Done>
    );
  }
  const fields = fieldErrorsOf(ask.error);
  return (
    <form
      noValidate
      className="grid gap-4"
      onSubmit={(event) => {
        event.preventDefault();
        ask.mutate(String(new FormData(event.currentTarget).get("email") ?? ""));
      }}
    >
      <FormError message={ask.error && !fields.email ? errorMessage(ask.error) : undefined} />
      <FormField label="Email" error={fields.email}>
        {(control) => <Input {...control} name="email" type="email" autoComplete="email" required autoFocus />}
      </FormField>
      <Submit pending={ask.isPending}>Email me a reset link</Submit>
      <p className="text-muted-foreground text-center text-sm">{backToSignIn}</p>
    </form>
  );
}

/** The token is read from the link's fragment, then taken out of the address bar. */
function useFragmentToken(): string | null | undefined {
  const [token, setToken] = React.useState<string | null | undefined>(undefined);
  React.useEffect(() => {
    const value = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (value) window.history.replaceState(null, "", window.location.pathname);
    // Read once on mount: the fragment exists only in the browser.
    setToken(value);
  }, []);
  return token;
}

export function ResetPasswordForm({ passwordMinLength }: { passwordMinLength: number }) {
  const token = useFragmentToken();
  const reset = useMutation({ mutationFn: (password: string) => api.post("/api/auth/password-reset/confirm", done, { token, password }) });
  if (token === undefined) return <Loader2Icon className="text-muted-foreground mx-auto animate-spin" aria-label="Loading" />;
  const askAgain = (
    <Link href="/forgot-password" className="text-foreground font-medium underline-offset-4 hover:underline">
      Ask for a new link
    </Link>
  );
  if (token === null) {
    return (
      <div className="grid gap-4 text-sm">
        <FormError message="This page needs the link from your reset email. Open the link again, or ask for a new one." />
        <p className="text-center">{askAgain}</p>
      </div>
    );
  }
  if (reset.data) {
    return (
      <Done>
        <p>Your password is changed, and every session of your account has been signed out.</p>
        <p>
          <Link href="/sign-in" className="text-foreground font-medium underline-offset-4 hover:underline">
            Sign in with your new password
          </Link>
        </p>
      </Done>
    );
  }
  const fields = fieldErrorsOf(reset.error);
  return (
    <form
      noValidate
      className="grid gap-4"
      onSubmit={(event) => {
        event.preventDefault();
        reset.mutate(String(new FormData(event.currentTarget).get("password") ?? ""));
      }}
    >
      <FormError message={reset.error && !fields.password ? errorMessage(reset.error) : undefined} />
      {fields.token && <p className="text-center text-sm">{askAgain}</p>}
      <FormField label="New password" description={`At least ${passwordMinLength} characters. Every session of your account will be signed out.`} error={fields.password}>
        {(control) => <Input {...control} name="password" type="password" autoComplete="new-password" required autoFocus />}
      </FormField>
      <Submit pending={reset.isPending}>Set new password</Submit>
    </form>
  );
}

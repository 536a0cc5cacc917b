"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, type UseMutationResult } from "@tanstack/react-query";
import { CircleCheckIcon, Loader2Icon } from "lucide-react";
import * as z from "zod/mini";
import { SubmitButton } from "@/components/auth/auth-forms";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { api, errorMessage, fieldErrorsOf } from "@/lib/client/api";

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

/** A form of one field whose value the mutation sends; the server's message goes under the field, or above it for the whole form. */
function OneFieldForm({
  mutation,
  name,
  label,
  description,
  input,
  submitLabel,
  children,
}: {
  mutation: UseMutationResult<unknown, Error, string>;
  name: string;
  label: string;
  description?: string;
  input: Omit<React.ComponentProps<typeof Input>, "name">;
  submitLabel: string;
  children?: React.ReactNode;
}) {
  const fields = fieldErrorsOf(mutation.error);
  return (
    <form
      noValidate
      className="grid gap-4"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate(String(new FormData(event.currentTarget).get(name) ?? ""));
      }}
    >
      <FormError message={mutation.error && !fields[name] ? errorMessage(mutation.error) : undefined} />
      <FormField label={label} description={description} error={fields[name]}>
        {(control) => <Input {...control} {...input} name={name} required autoFocus />}
      </FormField>
      <SubmitButton pending={mutation.isPending}>{submitLabel}</SubmitButton>
      {children}
    </form>
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
  return (
    <OneFieldForm mutation={ask} name="email" label="Email" input={{ type: "email", autoComplete: "email" }} submitLabel="Email me a reset link">
      <p className="text-muted-foreground text-center text-sm">{backToSignIn}</p>
    </OneFieldForm>
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
  const linkRefused = (message: string) => (
    <div className="grid gap-4 text-sm">
      <FormError message={message} />
      <p className="text-center">{askAgain}</p>
    </div>
  );
  if (token === null) return linkRefused("This page needs the link from your reset email. Open the link again, or ask for a new one.");
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
  const refused = fieldErrorsOf(reset.error).token;
  // A refused link cannot be retried with another password: only a new link helps.
  if (refused) return linkRefused(refused);
  return (
    <OneFieldForm
      mutation={reset}
      name="password"
      label="New password"
      description={`At least ${passwordMinLength} characters. Every session of your account will be signed out.`}
      input={{ type: "password", autoComplete: "new-password" }}
      submitLabel="Set new password"
    />
  );
}

"use client";

import * as React from "react";
import Link from "next/link";
import { Loader2Icon } from "lucide-react";
import { signInAction, signUpAction, type AuthFormState } from "@/lib/auth/form-actions";
import { Button } from "@/components/ui/button";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { withCallback } from "@/lib/safe-redirect";

/**
 * Runs a server action from onSubmit rather than the form's `action` prop: React resets a form
 * after an action submitted that way, which would wipe what the user typed when the server
 * answers with an error.
 */
function useAuthAction(action: (prev: AuthFormState, form: FormData) => Promise<AuthFormState>) {
  const [state, dispatch, pending] = React.useActionState(action, {});
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    React.startTransition(() => dispatch(form));
  };
  return { state, pending, onSubmit };
}

export function SubmitButton({ pending, children }: { pending: boolean; children: React.ReactNode }) {
  return (
    <Button type="submit" className="w-full" disabled={pending}>
      {pending && <Loader2Icon className="animate-spin" aria-hidden />}
      {children}
    </Button>
  );
}

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const { state, pending, onSubmit } = useAuthAction(signInAction);
  const error = state.error ?? (state.fields ? undefined : initialError);
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <FormError message={error} />
      <FormField label="Email" error={state.fields?.email}>
        {(control) => <Input {...control} name="email" type="email" autoComplete="email" required autoFocus />}
      </FormField>
      <FormField label="Password" error={state.fields?.password}>
        {(control) => <Input {...control} name="password" type="password" autoComplete="current-password" required />}
      </FormField>
      <Link href="/forgot-password" className="text-muted-foreground -mt-2 justify-self-end text-sm underline-offset-4 hover:underline">
        Forgot password?
      </Link>
      <SubmitButton pending={pending}>Sign in</SubmitButton>
      <p className="text-muted-foreground text-center text-sm">
        No account yet?{" "}
        <Link href={withCallback("/sign-up", callbackUrl)} className="text-foreground font-medium underline-offset-4 hover:underline">
          Create one
        </Link>
      </p>
    </form>
  );
}

export function SignUpForm({ callbackUrl, passwordMinLength }: { callbackUrl: string; passwordMinLength: number }) {
  const { state, pending, onSubmit } = useAuthAction(signUpAction);
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <FormError message={state.error} />
      <FormField label="Name" error={state.fields?.name}>
        {(control) => <Input {...control} name="name" autoComplete="name" required autoFocus />}
      </FormField>
      <FormField label="Email" error={state.fields?.email}>
        {(control) => <Input {...control} name="email" type="email" autoComplete="email" required />}
      </FormField>
      {/* The length rule is said once: as the hint, or as the error when it was broken. */}
      <FormField label="Password" description={state.fields?.password ? undefined : `At least ${passwordMinLength} characters.`} error={state.fields?.password}>
        {(control) => <Input {...control} name="password" type="password" autoComplete="new-password" required />}
      </FormField>
      <SubmitButton pending={pending}>Create account</SubmitButton>
      <p className="text-muted-foreground text-center text-sm">
        Already have an account?{" "}
        <Link href={withCallback("/sign-in", callbackUrl)} className="text-foreground font-medium underline-offset-4 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}

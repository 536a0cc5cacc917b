"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { Loader2Icon, MonitorXIcon } from "lucide-react";
import * as z from "zod/mini";
import { ConfirmDialog } from "@/components/shell/confirm-dialog";
import { PageHeader } from "@/components/shell/page-header";
import { endEverySession } from "@/components/shell/user-menu";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { api, errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";

const profileAnswer = z.object({ user: z.object({ name: z.nullable(z.string()) }) });
const passwordAnswer = z.object({ endedSessions: z.number() });

function SaveButton({ pending, disabled, children }: { pending: boolean; disabled?: boolean; children: React.ReactNode }) {
  return (
    <Button type="submit" disabled={pending || disabled} className="justify-self-start">
      {pending && <Loader2Icon className="animate-spin" aria-hidden />}
      {children}
    </Button>
  );
}

function ProfileCard() {
  const { user } = useCurrentWorkspace();
  const router = useRouter();
  const [name, setName] = React.useState(user.name ?? "");
  const save = useMutation({
    mutationFn: () => api.patch("/api/account/profile", profileAnswer, { name }),
    onSuccess: () => {
      toast.success("Name saved");
      // The sidebar's account menu shows the name: re-read it from the server.
      router.refresh();
    },
  });
  const fields = fieldErrorsOf(save.error);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Profile</CardTitle>
        <CardDescription>How other members of your workspaces see you.</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          noValidate
          className="grid max-w-md gap-4"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <FormError message={save.error && !fields.name ? errorMessage(save.error) : undefined} />
          <FormField label="Name" error={fields.name}>
            {(control) => <Input {...control} name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />}
          </FormField>
          <FormField label="Email" description="Your sign-in address; it cannot be changed here.">
            {(control) => <Input {...control} value={user.email} readOnly disabled />}
          </FormField>
          <SaveButton pending={save.isPending} disabled={name.trim() === (user.name ?? "")}>
            Save name
          </SaveButton>
        </form>
      </CardContent>
    </Card>
  );
}

function PasswordCard({ hasPassword, passwordMinLength }: { hasPassword: boolean; passwordMinLength: number }) {
  const formRef = React.useRef<HTMLFormElement>(null);
  const change = useMutation({
    mutationFn: (input: { currentPassword: string; newPassword: string }) => api.post("/api/account/password", passwordAnswer, input),
    onSuccess: ({ endedSessions }) => {
      formRef.current?.reset();
      toast.success("Password changed", {
        description: endedSessions ? `${endedSessions} other session${endedSessions === 1 ? "" : "s"} signed out.` : "No other session was signed in.",
      });
    },
  });
  const fields = fieldErrorsOf(change.error);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Password</CardTitle>
        <CardDescription>Changing it signs out every other browser and device; this one stays signed in.</CardDescription>
      </CardHeader>
      <CardContent>
        {hasPassword ? (
          <form
            ref={formRef}
            noValidate
            className="grid max-w-md gap-4"
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              change.mutate({ currentPassword: String(form.get("currentPassword") ?? ""), newPassword: String(form.get("newPassword") ?? "") });
            }}
          >
            <FormError message={change.error && !fields.currentPassword && !fields.newPassword ? errorMessage(change.error) : undefined} />
            <FormField label="Current password" error={fields.currentPassword}>
              {(control) => <Input {...control} name="currentPassword" type="password" autoComplete="current-password" />}
            </FormField>
            <FormField label="New password" description={`At least ${passwordMinLength} characters.`} error={fields.newPassword}>
              {(control) => <Input {...control} name="newPassword" type="password" autoComplete="new-password" />}
            </FormField>
            <SaveButton pending={change.isPending}>Change password</SaveButton>
          </form>
        ) : (
          <p className="text-muted-foreground text-sm">
            You sign in with GitHub or Google, so your account has no password. To add one, sign out and use “Forgot password?” on the
            sign-in page.
          </p>
        )}
      </CardContent>
    </Card>
  );
}

function SessionsCard() {
  const signOutEverywhere = useMutation({ mutationFn: endEverySession });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Sessions</CardTitle>
        <CardDescription>
          Lost a device, or signed in on a shared computer? Signing out everywhere ends every session of your account at once, this one
          included. API keys keep working.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ConfirmDialog
          trigger={
            <Button variant="outline">
              <MonitorXIcon aria-hidden />
              Sign out everywhere
            </Button>
          }
          title="Sign out everywhere?"
          description="Every browser and device signed in to your account is signed out, this one too. You will need your password to sign in again."
          confirmLabel="Sign out everywhere"
          mutation={signOutEverywhere}
        />
      </CardContent>
    </Card>
  );
}

export function AccountScreen({ hasPassword, passwordMinLength }: { hasPassword: boolean; passwordMinLength: number }) {
  return (
    <div className="grid gap-6">
      <PageHeader title="Account" description="Your profile, password and sessions, the same in every workspace." />
      <ProfileCard />
      <PasswordCard hasPassword={hasPassword} passwordMinLength={passwordMinLength} />
      <SessionsCard />
    </div>
  );
}

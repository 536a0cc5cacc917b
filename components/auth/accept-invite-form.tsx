"use client";

import * as React from "react";
import { Loader2Icon } from "lucide-react";
import { acceptInviteAction } from "@/lib/auth/form-actions";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-field";

export function AcceptInviteForm({ token, workspaceName }: { token: string; workspaceName: string }) {
  const [state, action, pending] = React.useActionState(acceptInviteAction, {});
  return (
    <form action={action} className="grid gap-4">
      <input type="hidden" name="token" value={token} />
      <FormError message={state.error} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending && <Loader2Icon className="animate-spin" aria-hidden />}
        Join {workspaceName}
      </Button>
    </form>
  );
}

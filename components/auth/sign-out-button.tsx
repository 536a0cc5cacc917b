import { LogOutIcon } from "lucide-react";
import { signOutAction } from "@/lib/auth/form-actions";
import { Button } from "@/components/ui/button";

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <Button type="submit" variant="outline">
        <LogOutIcon aria-hidden />
        Sign out
      </Button>
    </form>
  );
}

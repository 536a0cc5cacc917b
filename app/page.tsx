import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { Logo } from "@/components/brand/logo";
import { EmptyState } from "@/components/ui/empty-state";
import { SIGN_IN_PATH } from "@/lib/auth/base-config";
import { getSessionUser } from "@/lib/auth/session";
import { listWorkspaces } from "@/lib/auth/workspace";
import { workspacePath } from "@/lib/workspace-paths";

// "/" is a switchboard: signed-in users land in their first workspace (the personal one).
export default async function HomePage() {
  const user = await getSessionUser();
  if (!user) redirect(SIGN_IN_PATH);
  const [first] = await listWorkspaces(user.id);
  if (first) redirect(workspacePath(first.id, "observability"));
  // Every user gets a personal workspace at sign-up, so this is an account whose workspaces were
  // all removed; sending it to /sign-in would loop back here.
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-6 px-4">
      <Logo />
      <EmptyState
        className="w-full max-w-md bg-background"
        title="No workspace"
        description={`${user.email} is not a member of any workspace. Ask an admin for an invite link.`}
        action={<SignOutButton />}
      />
    </main>
  );
}

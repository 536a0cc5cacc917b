import { notFound } from "next/navigation";
import { AppShell } from "@/components/shell/app-shell";
import { WorkspaceProvider } from "@/components/shell/workspace-context";
import { requireUser } from "@/lib/auth/session";
import { findMembership, listWorkspaces } from "@/lib/auth/workspace";

export default async function WorkspaceLayout({
  params,
  children,
}: {
  params: Promise<{ workspaceId: string }>;
  children: React.ReactNode;
}) {
  const { workspaceId } = await params;
  const user = await requireUser();
  // Not a member and "no such workspace" look the same, as in the API.
  const ctx = await findMembership(user, workspaceId);
  if (!ctx) notFound();
  const workspaces = await listWorkspaces(user.id);
  const { workspace, membership } = ctx;

  return (
    <WorkspaceProvider
      value={{
        workspace: { id: workspace.id, name: workspace.name, kind: workspace.kind, role: membership.role },
        user: { id: user.id, email: user.email, name: user.name },
      }}
    >
      <AppShell workspaces={workspaces.map(({ id, name, kind, role }) => ({ id, name, kind, role }))}>{children}</AppShell>
    </WorkspaceProvider>
  );
}

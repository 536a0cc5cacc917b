import type { Metadata } from "next";
import { ApprovalsScreen } from "@/components/governance/approvals-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "broadcast:read");
  return <ApprovalsScreen />;
}

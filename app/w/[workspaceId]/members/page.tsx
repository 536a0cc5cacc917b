import type { Metadata } from "next";
import { MembersScreen } from "@/components/members/members-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "members:read");
  return <MembersScreen />;
}

import type { Metadata } from "next";
import { TracesScreen } from "@/components/traces/traces-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Traces" };

export default async function TracesPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "broadcast:read");
  return <TracesScreen />;
}

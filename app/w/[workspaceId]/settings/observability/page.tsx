import type { Metadata } from "next";
import { ObservabilityScreen } from "@/components/observability/observability-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Observability" };

export default async function ObservabilityPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "broadcast:read");
  return <ObservabilityScreen />;
}

import type { Metadata } from "next";
import { AlertsScreen } from "@/components/alerts/alerts-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Alerts" };

export default async function AlertsPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "alerts:manage");
  return <AlertsScreen />;
}

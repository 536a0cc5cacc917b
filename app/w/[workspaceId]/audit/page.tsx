import type { Metadata } from "next";
import { AuditScreen } from "@/components/audit/audit-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "audit:read");
  return <AuditScreen />;
}

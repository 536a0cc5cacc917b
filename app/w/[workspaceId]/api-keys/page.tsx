import type { Metadata } from "next";
import { ApiKeysScreen } from "@/components/api-keys/api-keys-screen";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  await requireWorkspace((await params).workspaceId, "apiKeys:read");
  return <ApiKeysScreen />;
}

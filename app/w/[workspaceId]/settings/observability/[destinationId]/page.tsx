import type { Metadata } from "next";
import { DestinationDetail } from "@/components/observability/destination-detail";
import { DESTINATION_TABS, type DestinationTab } from "@/components/observability/paths";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Destination" };

export default async function DestinationPage({
  params,
  searchParams,
}: {
  params: Promise<{ workspaceId: string; destinationId: string }>;
  searchParams: Promise<{ tab?: string | string[] }>;
}) {
  const { workspaceId, destinationId } = await params;
  await requireWorkspace(workspaceId, "broadcast:read");
  const { tab } = await searchParams;
  const initialTab = DESTINATION_TABS.find((t) => t === tab) ?? ("overview" satisfies DestinationTab);
  return <DestinationDetail key={destinationId} destinationId={destinationId} initialTab={initialTab} />;
}

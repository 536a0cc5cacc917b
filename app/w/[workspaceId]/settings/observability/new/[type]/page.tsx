import type { Metadata } from "next";
import { NewDestination } from "@/components/observability/new-destination";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Add destination" };

export default async function NewDestinationPage({ params }: { params: Promise<{ workspaceId: string; type: string }> }) {
  const { workspaceId, type } = await params;
  await requireWorkspace(workspaceId, "broadcast:change");
  return <NewDestination type={type} />;
}

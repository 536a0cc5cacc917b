import { redirect } from "next/navigation";
import { workspacePath } from "@/lib/workspace-paths";

// A workspace opens on its Observability settings.
export default async function WorkspaceHome({ params }: { params: Promise<{ workspaceId: string }> }) {
  redirect(workspacePath((await params).workspaceId, "observability"));
}

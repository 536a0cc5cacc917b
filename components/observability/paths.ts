// URLs of the observability screens (under lib/workspace-paths' "settings/observability").
import { workspacePath } from "@/lib/workspace-paths";

export type DestinationTab = "overview" | "deliveries" | "settings";
export const DESTINATION_TABS: readonly DestinationTab[] = ["overview", "deliveries", "settings"];

export function destinationPath(workspaceId: string, destinationId: string, tab?: DestinationTab): string {
  const base = `${workspacePath(workspaceId, "observability")}/${encodeURIComponent(destinationId)}`;
  return tab && tab !== "overview" ? `${base}?tab=${tab}` : base;
}

export function newDestinationPath(workspaceId: string, type: string): string {
  return `${workspacePath(workspaceId, "observability")}/new/${encodeURIComponent(type)}`;
}

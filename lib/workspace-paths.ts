// The URLs of a workspace's screens, so links, redirects and tests name each screen one way.
export const WORKSPACE_SECTIONS = {
  observability: "settings/observability",
  traces: "traces",
  apiKeys: "api-keys",
  members: "members",
  audit: "audit",
  approvals: "approvals",
  account: "account",
  alerts: "settings/alerts",
} as const;

export type WorkspaceSection = keyof typeof WORKSPACE_SECTIONS;

export function workspacePath(workspaceId: string, section: WorkspaceSection): string {
  return `/w/${encodeURIComponent(workspaceId)}/${WORKSPACE_SECTIONS[section]}`;
}

/** The JSON API base of a workspace (app/api/workspaces/[workspaceId]/…). */
export function workspaceApiPath(workspaceId: string, ...segments: string[]): string {
  return ["/api/workspaces", ...[workspaceId, ...segments].map(encodeURIComponent)].join("/");
}

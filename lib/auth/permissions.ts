// Who may do what. The one table every route and server action checks (through lib/api/route.ts
// and lib/auth/workspace.ts); the UI only mirrors it.
import type { Role, WorkspaceKind } from "@/lib/generated/prisma/enums";

export const PERMISSIONS = [
  "workspace:read",
  "workspace:manage", // rename, delete organization
  "members:read",
  "members:manage", // invite, change roles, remove
  "apiKeys:read",
  "apiKeys:manage",
  "broadcast:read", // destinations, delivery log, health
  "broadcast:change", // toggle, create/update/delete/pause destinations, retry/replay (members: as a change request in organizations)
  "broadcast:test", // test connection, send test trace
  "approvals:decide",
  "audit:read",
  "alerts:manage", // where delivery alerts go (admins' email, the webhook URL), test notification
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL = new Set<Permission>(PERMISSIONS);
const MEMBER = new Set<Permission>([
  "workspace:read",
  "members:read",
  "apiKeys:read",
  "broadcast:read",
  "broadcast:change",
  "broadcast:test",
  "audit:read",
]);

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: ALL,
  admin: new Set(PERMISSIONS.filter((p) => p !== "workspace:manage")),
  member: MEMBER,
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * How a broadcast change by this role takes effect: applied at once, or saved as a change request
 * for an admin to approve (members of organizations). Personal workspaces have only their owner.
 */
export function broadcastChangeMode(role: Role, kind: WorkspaceKind): "apply" | "propose" {
  return kind === "organization" && role === "member" ? "propose" : "apply";
}

export const ROLE_RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

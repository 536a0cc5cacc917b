// The membership rules of lib/workspaces/rules.ts as the UI needs them, to offer only the controls
// the server will accept (it checks again and stays authoritative): members:manage is needed to
// manage anyone, and only owners grant the owner role or change/remove an owner.
import { can } from "@/lib/auth/permissions";
import type { Role } from "@/lib/generated/prisma/enums";

const ROLES: Role[] = ["owner", "admin", "member"];

/** The roles this actor may give someone (when adding, inviting or changing a role). */
export function grantableRoles(actor: Role): Role[] {
  if (!can(actor, "members:manage")) return [];
  return actor === "owner" ? ROLES : ROLES.filter((r) => r !== "owner");
}

/** Whether this actor may change the role of, or remove, a member who has `target`. */
export function mayManageMember(actor: Role, target: Role): boolean {
  return can(actor, "members:manage") && (target !== "owner" || actor === "owner");
}

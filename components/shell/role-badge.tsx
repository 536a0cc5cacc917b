import { Badge } from "@/components/ui/badge";
import type { Role } from "@/lib/generated/prisma/enums";

export const ROLE_LABELS: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

export function RoleBadge({ role, className }: { role: Role; className?: string }) {
  return (
    <Badge variant={role === "member" ? "muted" : "secondary"} className={className}>
      {ROLE_LABELS[role]}
    </Badge>
  );
}

"use client";

import { ROLE_LABELS } from "@/components/shell/role-badge";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import type { Role } from "@/lib/generated/prisma/enums";

const ROLE_HINTS: Record<Role, string> = {
  owner: "Everything, including owners and the organization itself",
  admin: "Manages members, API keys and approvals",
  member: "Uses the workspace; broadcast changes need approval",
};

/** A role picker offering only `roles`; its trigger takes the id/aria props of FormField. */
export function RoleSelect({
  roles,
  value,
  onValueChange,
  disabled,
  className,
  size,
  ...triggerProps
}: {
  roles: Role[];
  value: Role;
  onValueChange: (role: Role) => void;
  disabled?: boolean;
  className?: string;
  size?: "sm" | "default";
  id?: string;
  "aria-label"?: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
}) {
  return (
    <Select value={value} onValueChange={(v) => {
        const role = roles.find((r) => r === v);
        if (role) onValueChange(role);
      }} disabled={disabled}>
      <SelectTrigger {...triggerProps} size={size} className={className}>
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {roles.map((role) => (
          <SelectItem key={role} value={role} title={ROLE_HINTS[role]}>
            {ROLE_LABELS[role]}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

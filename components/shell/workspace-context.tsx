"use client";

import * as React from "react";
import { can, type Permission } from "@/lib/auth/permissions";
import type { Role, WorkspaceKind } from "@/lib/generated/prisma/enums";

export type CurrentWorkspace = { id: string; name: string; kind: WorkspaceKind; role: Role };
export type CurrentUser = { id: string; email: string; name: string | null };

type Value = { workspace: CurrentWorkspace; user: CurrentUser };

const WorkspaceContext = React.createContext<Value | null>(null);

/** Set by the workspace layout from the server's membership check, for the client screens below it. */
export function WorkspaceProvider({ value, children }: { value: Value; children: React.ReactNode }) {
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

export function useCurrentWorkspace(): Value {
  const value = React.useContext(WorkspaceContext);
  if (!value) throw new Error("useCurrentWorkspace() outside the workspace layout");
  return value;
}

/**
 * Whether the current role may do this, to hide controls the server would refuse. It mirrors
 * lib/auth/permissions.ts; the server checks again on every request and stays authoritative.
 */
export function useCan(permission: Permission): boolean {
  return can(useCurrentWorkspace().workspace.role, permission);
}

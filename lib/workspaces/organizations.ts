// Organization workspaces: shared by several members, unlike each user's personal workspace.
import "server-only";
import { z } from "zod";
import { parseInput } from "@/lib/errors";
import type { SessionUser } from "@/lib/auth/session-user";
import type { WorkspaceSummary } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { createOrganizationWorkspace, nameSchema } from "@/lib/workspaces/provision";

export const createOrganizationSchema = z.object({ name: nameSchema });
export type CreateOrganizationInput = z.input<typeof createOrganizationSchema>;

/** A new organization with the user as its owner. */
export async function createOrganization(user: SessionUser, input: CreateOrganizationInput): Promise<WorkspaceSummary> {
  const { name } = parseInput(createOrganizationSchema, input);
  const workspace = await prisma.$transaction((tx) => createOrganizationWorkspace(tx, user, name));
  return { id: workspace.id, name: workspace.name, kind: workspace.kind, role: "owner", createdAt: workspace.createdAt };
}

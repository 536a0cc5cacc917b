// Creating users and workspaces. Every function takes the database client (normally a transaction)
// and none imports "server-only", so the seed script (tsx, outside Next) provisions accounts with
// the same code as sign-up, OAuth sign-in and the workspace API.
import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import { isUniqueViolation } from "@/lib/db-client";
import type { Prisma, User, Workspace, WorkspaceKind } from "@/lib/generated/prisma/client";

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export const emailSchema = z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address").max(254));

/** Names of people, workspaces and API keys. */
export const nameSchema = z.string().trim().min(1, "Name is required").max(100, "At most 100 characters");

export type NewUser = {
  email: string;
  name: string | null;
  passwordHash?: string | null;
  emailVerified?: Date | null;
  image?: string | null;
};

export function personalWorkspaceName(user: { name: string | null; email: string }): string {
  const who = user.name?.trim() || user.email.split("@")[0];
  return `${who}'s workspace`.slice(0, 100);
}

/**
 * A new user with their personal workspace (they are its owner). Run it inside a transaction: a
 * user without a workspace must never exist. A taken email is a 409 naming the `email` field.
 */
export async function createUserWithPersonalWorkspace(tx: Prisma.TransactionClient, data: NewUser): Promise<User> {
  const email = data.email.trim().toLowerCase();
  let user: User;
  try {
    user = await tx.user.create({
      data: {
        email,
        name: data.name,
        passwordHash: data.passwordHash ?? null,
        emailVerified: data.emailVerified ?? null,
        image: data.image ?? null,
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  await createWorkspaceWithOwner(tx, user, { name: personalWorkspaceName(user), kind: "personal" });
  return user;
}

export function emailTaken(): ApiError {
  return new ApiError(409, "conflict", "An account with this email already exists", [
    { path: "email", message: "An account with this email already exists" },
  ]);
}

/** An organization workspace owned by its creator. */
export function createOrganizationWorkspace(
  tx: Prisma.TransactionClient,
  creator: { id: string; email: string },
  name: string,
): Promise<Workspace> {
  return createWorkspaceWithOwner(tx, creator, { name, kind: "organization" });
}

async function createWorkspaceWithOwner(
  tx: Prisma.TransactionClient,
  owner: { id: string; email: string },
  data: { name: string; kind: WorkspaceKind },
): Promise<Workspace> {
  const workspace = await tx.workspace.create({
    data: { ...data, memberships: { create: { userId: owner.id, role: "owner" } } },
  });
  await recordAudit(tx, {
    workspaceId: workspace.id,
    actor: owner,
    action: "workspace.create",
    targetType: "workspace",
    targetId: workspace.id,
    after: { name: workspace.name, kind: workspace.kind },
  });
  return workspace;
}

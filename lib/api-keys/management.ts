// Management keys: keys for automation (the OpenRouter-compatible management API, docs/api.md),
// apart from ingest keys. Stored like them (only the sha256 and a display prefix), but in a table
// of their own with their own prefix (`tcm_`), so neither kind can stand in for the other: the
// ingest path never reads this table and the key formats do not overlap.
//
// A management key acts as its creator, with the creator's role in the key's workspace as it is at
// the time of each request: lowered to member, the key's changes become change requests; removed
// from the workspace (or deleted), the key stops working (401).
import "server-only";
import { notFound, parseInput, unauthorized } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import type { ManagementKey } from "@/lib/generated/prisma/client";
import { createApiKeySchema, LAST_USED_RESOLUTION_MS, type ApiKeySummary, type CreateApiKeyInput } from "@/lib/api-keys";
import { API_KEY_DISPLAY_LENGTH, generateApiKey, hashApiKey, looksLikeApiKey } from "@/lib/api-keys/keys";
import { peopleById, type Person } from "@/lib/workspaces/people";

export const MANAGEMENT_KEY_PREFIX = "tcm_";
const MANAGEMENT_KEY_PATTERN = /^tcm_[A-Za-z0-9_-]{43}$/;

export type ManagementKeySummary = Omit<ApiKeySummary, "hash">;

/** A management key's request: the creator's workspace context, plus the key (its name labels the audit events). */
export type ManagementKeyContext = WorkspaceContext & { managementKey: { id: string; name: string } };

function summarize(key: ManagementKey, people: Map<string, Person>): ManagementKeySummary {
  const { id, name, prefix, createdAt, lastUsedAt, revokedAt, createdById } = key;
  return { id, name, prefix, createdAt, lastUsedAt, revokedAt, createdBy: people.get(createdById) ?? null };
}

/** A new management key, acting as its creator. `secret` is returned once and not stored. */
export async function createManagementKey(ctx: WorkspaceContext, input: CreateApiKeyInput): Promise<{ managementKey: ManagementKeySummary; secret: string }> {
  const { name } = parseInput(createApiKeySchema, input);
  const generated = generateApiKey(MANAGEMENT_KEY_PREFIX);
  const key = await prisma.$transaction(async (tx) => {
    const created = await tx.managementKey.create({
      data: { workspaceId: ctx.workspace.id, name, prefix: generated.secret.slice(0, API_KEY_DISPLAY_LENGTH), hash: generated.hash, createdById: ctx.user.id },
    });
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "managementKey.create",
      targetType: "managementKey",
      targetId: created.id,
      after: { name: created.name, prefix: created.prefix },
    });
    return created;
  });
  return { managementKey: summarize(key, new Map([[ctx.user.id, ctx.user]])), secret: generated.secret };
}

/** Every management key of the workspace, revoked ones included, newest first. */
export async function listManagementKeys(ctx: WorkspaceContext): Promise<ManagementKeySummary[]> {
  const keys = await prisma.managementKey.findMany({ where: { workspaceId: ctx.workspace.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const people = await peopleById(keys.map((k) => k.createdById));
  return keys.map((k) => summarize(k, people));
}

/** Revokes the key at once (its next request gets 401). Revoking a revoked key changes nothing. */
export async function revokeManagementKey(ctx: WorkspaceContext, managementKeyId: string): Promise<ManagementKeySummary> {
  const key = await prisma.$transaction(async (tx) => {
    const where = { id: managementKeyId, workspaceId: ctx.workspace.id };
    const revokedAt = new Date();
    const { count } = await tx.managementKey.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt } });
    const current = await tx.managementKey.findFirst({ where });
    if (!current) throw notFound("Management key");
    if (count === 1)
      await recordAudit(tx, {
        workspaceId: ctx.workspace.id,
        actor: ctx.user,
        action: "managementKey.revoke",
        targetType: "managementKey",
        targetId: current.id,
        before: { name: current.name, prefix: current.prefix, revokedAt: null },
        after: { name: current.name, prefix: current.prefix, revokedAt: revokedAt.toISOString() },
      });
    return current;
  });
  const people = await peopleById([key.createdById]);
  return summarize(key, people);
}

/** The audit label of what a key does: its name first, then whose role it carries. */
export function managementKeyActorLabel(keyName: string, creatorEmail: string): string {
  return `management key “${keyName}” (${creatorEmail})`;
}

/**
 * The context a management key acts in, or a 401 naming why not. Not the ingestion hot path: one
 * query per request, so revoking, a role change or leaving the workspace applies to the next request.
 */
export async function verifyManagementKey(secret: string): Promise<ManagementKeyContext> {
  if (!MANAGEMENT_KEY_PATTERN.test(secret)) {
    throw unauthorized(
      looksLikeApiKey(secret)
        ? "This is an ingest key (tc_…): the management API takes a management key (tcm_…), created in Settings › API keys"
        : "Invalid or revoked management key",
    );
  }
  const key = await prisma.managementKey.findUnique({ where: { hash: hashApiKey(secret) }, include: { workspace: true, createdBy: true } });
  if (!key || key.revokedAt) throw unauthorized("Invalid or revoked management key");
  const membership = await prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId: key.workspaceId, userId: key.createdById } } });
  if (!membership) throw unauthorized("This management key's creator is no longer a member of its workspace, so the key no longer works");
  touchLastUsed(key);
  const { createdBy, workspace } = key;
  return {
    // The creator's id (permissions, change-request proposer) with the key's name as the audit label.
    user: { id: createdBy.id, email: managementKeyActorLabel(key.name, createdBy.email), name: createdBy.name },
    workspace,
    membership,
    managementKey: { id: key.id, name: key.name },
  };
}

/** Records lastUsedAt at most once per LAST_USED_RESOLUTION_MS, after the request (a hint, not a log). */
function touchLastUsed(key: ManagementKey): void {
  const now = Date.now();
  if (key.lastUsedAt && now - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  void prisma.managementKey
    .updateMany({ where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - LAST_USED_RESOLUTION_MS) } }] }, data: { lastUsedAt: new Date(now) } })
    .catch((err: unknown) => console.error(`[management-keys] could not record lastUsedAt of ${key.id}`, err));
}


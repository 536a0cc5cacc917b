// Workspace API keys: create (the secret is shown once), list, revoke, and verification on the
// ingestion hot path.
import "server-only";
import { z } from "zod";
import { notFound, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import type { ApiKey, Workspace } from "@/lib/generated/prisma/client";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { hashApiKey, issueApiKey, looksLikeApiKey } from "@/lib/api-keys/keys";
import { cachedApiKeys, invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { peopleById, type Person } from "@/lib/workspaces/people";
import { nameSchema } from "@/lib/workspaces/provision";


export type ApiKeySummary = {
  id: string;
  name: string;
  /** The first characters of the key, e.g. "tc_AbCdEfGhI". */
  prefix: string;
  /** sha256 (hex) of the whole key: how the management API names it (`api_key_hashes`), as OpenRouter does. */
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: Person | null;
};

export const createApiKeySchema = z.object({ name: nameSchema });
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

function summarize(key: ApiKey, people: Map<string, Person>): ApiKeySummary {
  const { id, name, prefix, hash, createdAt, lastUsedAt, revokedAt, createdById } = key;
  return { id, name, prefix, hash, createdAt, lastUsedAt, revokedAt, createdBy: (createdById && people.get(createdById)) || null };
}

async function summarizeAll(keys: ApiKey[]): Promise<ApiKeySummary[]> {
  const people = await peopleById(keys.map((k) => k.createdById));
  return keys.map((k) => summarize(k, people));
}

/** A new key for the workspace. `secret` is the full key: return it to the caller once, it is not stored. */
export async function createApiKey(
  ctx: WorkspaceContext,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKeySummary; secret: string }> {
  const { name } = parseInput(createApiKeySchema, input);
  const { apiKey, secret } = await prisma.$transaction((tx) =>
    issueApiKey(tx, { workspaceId: ctx.workspace.id, name, actor: ctx.user }),
  );
  return { apiKey: summarize(apiKey, new Map([[ctx.user.id, ctx.user]])), secret };
}

/** Every key of the workspace, revoked ones included, newest first. */
export async function listApiKeys(ctx: WorkspaceContext): Promise<ApiKeySummary[]> {
  const keys = await prisma.apiKey.findMany({ where: { workspaceId: ctx.workspace.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  return summarizeAll(keys);
}

/** Revokes the key at once (the next request with it gets 401). Revoking a revoked key changes nothing. */
export async function revokeApiKey(ctx: WorkspaceContext, apiKeyId: string): Promise<ApiKeySummary> {
  const key = await prisma.$transaction(async (tx) => {
    const where = { id: apiKeyId, workspaceId: ctx.workspace.id };
    const revokedAt = new Date();
    const { count } = await tx.apiKey.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt } });
    const current = await tx.apiKey.findFirst({ where });
    if (!current) throw notFound("API key");
    if (count === 1)
      await recordAudit(tx, {
        workspaceId: ctx.workspace.id,
        actor: ctx.user,
        action: "apiKey.revoke",
        targetType: "apiKey",
        targetId: current.id,
        before: { name: current.name, prefix: current.prefix, revokedAt: null },
        after: { name: current.name, prefix: current.prefix, revokedAt: revokedAt.toISOString() },
      });
    return current;
  });
  invalidateIngestConfig(ctx.workspace.id);
  const [summary] = await summarizeAll([key]);
  return summary;
}

// ───────────── verification (ingestion hot path) ─────────────

/** lastUsedAt is a "recently used" hint, so it is written at most once per this interval per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;
// When this process last wrote (or saw) lastUsedAt per key: without it every request of a burst would
// read the old value and queue its own (no-op) write before the first one lands.
const lastUsedWrites = new Map<string, number>();
const MAX_TRACKED_KEYS = 10_000;

type VerifiedRow = Workspace & { apiKeyId: string; apiKeyName: string; apiKeyLastUsedAt: Date | null };

/**
 * The workspace a key belongs to, or null for a malformed, unknown or revoked key. One query on the
 * unique hash index, joined to the workspace, unless the key was verified less than a second ago
 * (lib/ingest/config-cache.ts; revoking invalidates). Looking keys up by the hash of the presented
 * key (not comparing secrets) leaves nothing to time: the attacker controls neither the stored value
 * nor the hash being compared. Touches lastUsedAt in the background, never on the request path.
 */
export async function verifyApiKey(key: string): Promise<ApiKeyContext | null> {
  if (!looksLikeApiKey(key)) return null;
  const hash = hashApiKey(key);
  const ctx = await cachedApiKeys.get(hash, () => readApiKey(hash));
  if (!ctx) return null;
  touchLastUsed(ctx.apiKey.id, null);
  return ctx;
}

/** The key's context from the database (undefined for an unknown or revoked key), noting when it was last used. */
async function readApiKey(hash: string): Promise<ApiKeyContext | undefined> {
  const rows = await prisma.$queryRaw<VerifiedRow[]>`
    SELECT k.id AS "apiKeyId", k.name AS "apiKeyName", k."lastUsedAt" AS "apiKeyLastUsedAt", w.*
    FROM "ApiKey" k JOIN "Workspace" w ON w.id = k."workspaceId"
    WHERE k.hash = ${hash} AND k."revokedAt" IS NULL`;
  const row = rows[0];
  if (!row) return undefined;
  const { apiKeyId, apiKeyName, apiKeyLastUsedAt, ...workspace } = row;
  touchLastUsed(apiKeyId, apiKeyLastUsedAt);
  return { apiKey: { id: apiKeyId, name: apiKeyName, workspaceId: workspace.id }, workspace };
}

function touchLastUsed(apiKeyId: string, lastUsedAt: Date | null): void {
  const now = Date.now();
  const known = Math.max(lastUsedAt?.getTime() ?? 0, lastUsedWrites.get(apiKeyId) ?? 0);
  if (lastUsedWrites.size >= MAX_TRACKED_KEYS) lastUsedWrites.clear();
  if (now - known < LAST_USED_RESOLUTION_MS) {
    // Remembered, so that cached verifications (which do not read lastUsedAt) do not write either.
    lastUsedWrites.set(apiKeyId, known);
    return;
  }
  lastUsedWrites.set(apiKeyId, now);
  const staleBefore = new Date(now - LAST_USED_RESOLUTION_MS);
  // The condition keeps other processes (and this one's earlier writes) to one write per interval.
  void prisma.apiKey
    .updateMany({
      where: { id: apiKeyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: new Date(now) },
    })
    .catch((err: unknown) => console.error(`[api-keys] could not record lastUsedAt of ${apiKeyId}`, err));
}

// API key secrets: `tc_` + 43 base64url characters (32 random bytes). Only the sha256 of the whole
// key and its first characters are stored (see lib/tokens.ts), so one indexed lookup verifies a
// key. No "server-only" here so the seed script can issue keys with the same code.
import { recordAudit } from "@/lib/audit";
import type { SessionUser } from "@/lib/auth/session-user";
import type { ApiKey, Prisma } from "@/lib/generated/prisma/client";
import { sha256Hex } from "@/lib/hash";
import { randomToken } from "@/lib/tokens";

export const API_KEY_PREFIX = "tc_";
/** How much of the key lists show ("tc_AbCdEfGhI"): enough to tell keys apart, far too little to use. */
export const API_KEY_DISPLAY_LENGTH = 12;
const API_KEY_PATTERN = /^tc_[A-Za-z0-9_-]{43}$/;

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

export function looksLikeApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** A new secret: `prefix` (ingest keys' `tc_` or management keys' `tcm_`) + 43 random characters. */
export function generateApiKey(prefix = API_KEY_PREFIX): { secret: string; prefix: string; hash: string } {
  const secret = prefix + randomToken();
  return { secret, prefix: secret.slice(0, API_KEY_DISPLAY_LENGTH), hash: hashApiKey(secret) };
}

/** Stores a new key for the workspace and audits it; the returned secret is never retrievable again. */
export async function issueApiKey(
  tx: Prisma.TransactionClient,
  input: { workspaceId: string; name: string; actor: Pick<SessionUser, "id" | "email"> | null },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const { secret, prefix, hash } = generateApiKey();
  const apiKey = await tx.apiKey.create({
    data: { workspaceId: input.workspaceId, name: input.name, prefix, hash, createdById: input.actor?.id ?? null },
  });
  await recordAudit(tx, {
    workspaceId: input.workspaceId,
    actor: input.actor,
    action: "apiKey.create",
    targetType: "apiKey",
    targetId: apiKey.id,
    after: { name: apiKey.name, prefix: apiKey.prefix },
  });
  return { apiKey, secret };
}

// A destination as its diff sees it (lib/governance/diff.ts): settings, non-secret config, and a
// digest per secret. Used by change requests (what a proposal would change) and by the audit log
// (what an applied change did), so both say the same thing about the same change.
import "server-only";
import crypto from "node:crypto";
import type { Db } from "@/lib/db-client";
import { fieldsOf, secretKeysOf } from "@/lib/destinations/define";
import type { SecretValue } from "@/lib/outbound/masking";
import { getDefinition } from "@/lib/destinations/registry";
import { settingsOf } from "@/lib/broadcast/settings";
import { splitSecrets, storedConfigOf } from "@/lib/broadcast/stored-config";
import type { Destination } from "@/lib/generated/prisma/client";
import { destinationDiff, type DestinationSnapshot, type DiffEntry } from "./diff";

/** A digest per secret, so the diff can tell "changed" from "unchanged" without holding any value. */
const fingerprint = (value: string) => crypto.createHash("sha256").update(value).digest("base64url");

/** A secret field's digest: a record of secrets (custom headers) keeps its names, each value digested. */
const fingerprintOf = (value: SecretValue) =>
  typeof value === "string" ? fingerprint(value) : Object.fromEntries(Object.entries(value).map(([name, v]) => [name, fingerprint(v)]));

/**
 * The config as the diff sees it: non-secret values, and a digest per secret (wherever the row
 * stores it: a row from before issue #8 still has header values in Destination.config).
 */
function configSnapshot(row: Destination): Pick<DestinationSnapshot, "config" | "secretFingerprints"> {
  const plain = (row.config ?? {}) as Record<string, unknown>;
  const def = getDefinition(row.type);
  if (!def) return { config: plain, secretFingerprints: {} };
  let stored: Record<string, unknown>;
  try {
    stored = storedConfigOf(row);
  } catch {
    // Under a key no longer in the ring: the values are unknown but set, and change with the ciphertext.
    const secretFingerprints = Object.fromEntries(secretKeysOf(def).map((k) => [k, fingerprint(`unreadable:${k}:${row.secrets}`)]));
    return { config: splitSecrets(def, plain).plain, secretFingerprints };
  }
  const { plain: config, secrets } = splitSecrets(def, stored);
  return { config, secretFingerprints: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, fingerprintOf(v)])) };
}

function snapshotOf(row: Destination): DestinationSnapshot {
  return {
    type: row.type,
    ...settingsOf(row),
    status: row.status,
    ...configSnapshot(row),
  };
}

/**
 * The labelled diff of a destination between two of its rows (null before = created, null after or a
 * deleted row = deleted). Secrets are compared by digests held in memory only: the diff says set /
 * changed / removed, and no digest leaves this function.
 */
export async function diffOfDestination(tx: Db, workspaceId: string, before: Destination | null, after: Destination | null): Promise<DiffEntry[]> {
  const type = (after ?? before)?.type;
  const def = type ? getDefinition(type) : undefined;
  const ids = [...new Set([...(before?.apiKeyInclude ?? []), ...(before?.apiKeyExclude ?? []), ...(after?.apiKeyInclude ?? []), ...(after?.apiKeyExclude ?? [])])];
  const keys = ids.length ? await tx.apiKey.findMany({ where: { workspaceId, id: { in: ids } }, select: { id: true, name: true } }) : [];
  return destinationDiff(before && snapshotOf(before), after && !after.deletedAt ? snapshotOf(after) : null, {
    fields: def ? fieldsOf(def) : [],
    apiKeyNames: Object.fromEntries(keys.map((k) => [k.id, k.name])),
  });
}

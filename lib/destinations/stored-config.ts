// How a destination's config is stored: the non-secret fields as JSON in Destination.config, the
// secret fields (those built with field.secret) as one AES-256-GCM ciphertext in
// Destination.secrets, bound to that destination's id. Decrypted only to deliver or test.
import type { DestinationDefinition } from "./types";
import { secretKeysOf } from "./define";
import { decryptJson, encryptJson } from "@/lib/crypto/keyring";

export type SplitConfig = { plain: Record<string, unknown>; secrets: Record<string, string> };

export function splitSecrets(def: Pick<DestinationDefinition, "config">, config: Record<string, unknown>): SplitConfig {
  const secretKeys = new Set(secretKeysOf(def));
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (secretKeys.has(key)) {
      if (typeof value === "string" && value !== "") secrets[key] = value;
    } else plain[key] = value;
  }
  return { plain, secrets };
}

export function sealSecrets(destinationId: string, secrets: Record<string, string>): string | null {
  return Object.keys(secrets).length ? encryptJson(secrets, { kind: "destination", id: destinationId }) : null;
}

export function openSecrets(destinationId: string, ciphertext: string | null): Record<string, string> {
  return ciphertext ? decryptJson<Record<string, string>>(ciphertext, { kind: "destination", id: destinationId }) : {};
}

/** The full, validated config (defaults applied) of a stored destination. */
export function resolveConfig(
  def: Pick<DestinationDefinition, "config">,
  destination: { id: string; config: unknown; secrets: string | null },
): Record<string, unknown> {
  const plain = (destination.config ?? {}) as Record<string, unknown>;
  return def.config.parse({ ...plain, ...openSecrets(destination.id, destination.secrets) }) as Record<string, unknown>;
}

// How a destination's config is stored: the non-secret fields as JSON in Destination.config, the
// secret fields (field.secret, and the values of field.headers) as one AES-256-GCM ciphertext in
// Destination.secrets, bound to that destination's id. Decrypted only to deliver, test or mask.
//
// Destinations stored before custom header values became secrets (issue #8) hold those values in
// clear in Destination.config. They are not migrated by a database migration (SQL cannot encrypt:
// the key ring lives in the app); instead the stored config is read as config overlaid with the
// decrypted secrets (storedConfigOf), so such rows deliver and mask like new ones, and the clear
// values move into the ciphertext on the row's next update (applyUpdateDestination) or when
// `npm run keys:rotate` runs (lib/crypto/rotate.ts), whichever comes first.
import type { DestinationDefinition } from "@/lib/destinations/types";
import { secretKeysOf } from "@/lib/destinations/define";
import { hasSecretValue, type SecretValue } from "@/lib/outbound/masking";
import { decryptJson, encryptJson } from "@/lib/crypto/keyring";

/** The decrypted Destination.secrets: a value per secret field that is set. */
export type StoredSecrets = Record<string, SecretValue>;
export type SplitConfig = { plain: Record<string, unknown>; secrets: StoredSecrets };

type StoredRow = { id: string; config: unknown; secrets: string | null };

/** A config → what goes in clear and what is encrypted. Unset secret fields are in neither. */
export function splitSecrets(def: Pick<DestinationDefinition, "config">, config: Record<string, unknown>): SplitConfig {
  const secretKeys = new Set(secretKeysOf(def));
  const plain: Record<string, unknown> = {};
  const secrets: StoredSecrets = {};
  for (const [key, value] of Object.entries(config)) {
    if (!secretKeys.has(key)) plain[key] = value;
    else if (hasSecretValue(value)) secrets[key] = value;
  }
  return { plain, secrets };
}

export function sealSecrets(destinationId: string, secrets: StoredSecrets): string | null {
  return Object.keys(secrets).length ? encryptJson(secrets, { kind: "destination", id: destinationId }) : null;
}

export function openSecrets(destinationId: string, ciphertext: string | null): StoredSecrets {
  return ciphertext ? decryptJson<StoredSecrets>(ciphertext, { kind: "destination", id: destinationId }) : {};
}

/** The stored config, secrets decrypted: Destination.config overlaid with Destination.secrets (unvalidated). */
export function storedConfigOf(destination: StoredRow): Record<string, unknown> {
  return { ...((destination.config ?? {}) as Record<string, unknown>), ...openSecrets(destination.id, destination.secrets) };
}

/** True when Destination.config still holds a secret value in clear (a row stored before issue #8). */
export function holdsClearSecrets(def: Pick<DestinationDefinition, "config">, plainConfig: unknown): boolean {
  const plain = (plainConfig ?? {}) as Record<string, unknown>;
  return secretKeysOf(def).some((key) => hasSecretValue(plain[key]));
}

/** The full, validated config (defaults applied) of a stored destination. */
export function resolveConfig(def: Pick<DestinationDefinition, "config">, destination: StoredRow): Record<string, unknown> {
  return def.config.parse(storedConfigOf(destination)) as Record<string, unknown>;
}

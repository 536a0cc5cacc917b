// Credential encryption: AES-256-GCM under a key ring read from TRACECAST_KEYS
// ("id:base64(32 bytes)[,id:base64…]", the first key is the active one; older keys stay listed so
// existing ciphertext still decrypts until `npm run keys:rotate` re-encrypts it).
//
// Ciphertext format: "v1:<keyId>:<iv>:<tag>:<data>" (base64url parts). The additional
// authenticated data binds a ciphertext to the record it belongs to ("destination:<id>"), so a
// ciphertext copied into another row (or another table) fails to decrypt instead of leaking one
// tenant's credentials into another's destination.
import crypto from "node:crypto";

const ENV = "TRACECAST_KEYS";
const FORMAT = "v1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export type KeyRing = { activeId: string; keys: ReadonlyMap<string, Buffer> };

export class KeyRingError extends Error {
  constructor(message: string) {
    super(`${ENV}: ${message}. Expected "id:base64(32 random bytes)[,id:base64…]" with the active key first; generate one with: node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"`);
    this.name = "KeyRingError";
  }
}

/** Parses a TRACECAST_KEYS value; throws KeyRingError naming the variable and the problem. */
export function parseKeyRing(value: string | undefined): KeyRing {
  if (!value || !value.trim()) throw new KeyRingError("is not set");
  const keys = new Map<string, Buffer>();
  let activeId: string | undefined;
  for (const [index, entry] of value.split(",").map((e) => e.trim()).entries()) {
    const colon = entry.indexOf(":");
    if (colon < 0) throw new KeyRingError(`entry ${index + 1} has no "id:" prefix`);
    const id = entry.slice(0, colon);
    const material = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new KeyRingError(`key id "${id}" must be 1–32 letters, digits, "_" or "-"`);
    if (keys.has(id)) throw new KeyRingError(`key id "${id}" appears twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material)) throw new KeyRingError(`key "${id}" is not base64`);
    const key = Buffer.from(material, "base64");
    if (key.length !== 32) throw new KeyRingError(`key "${id}" is ${key.length} bytes, AES-256 needs 32`);
    keys.set(id, key);
    activeId ??= id;
  }
  return { activeId: activeId!, keys };
}

let cached: { source: string | undefined; ring: KeyRing } | undefined;

/** The key ring of the environment (re-read when TRACECAST_KEYS changes, e.g. in tests). */
export function keyRing(): KeyRing {
  const source = process.env[ENV];
  if (!cached || cached.source !== source) cached = { source, ring: parseKeyRing(source) };
  return cached.ring;
}

/** What a ciphertext belongs to: the AAD that binds it to one record. */
export type SecretOwner = { kind: "destination" | "changeRequest" | "proxyUpstream" | "alertSettings"; id: string };

const aadOf = (owner: SecretOwner, keyId: string) => Buffer.from(`${FORMAT}:${keyId}:${owner.kind}:${owner.id}`, "utf8");

export function encryptJson(value: unknown, owner: SecretOwner, ring: KeyRing = keyRing()): string {
  const key = ring.keys.get(ring.activeId)!;
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aadOf(owner, ring.activeId));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, ring.activeId, iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(":");
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

/** The key id a ciphertext was made with. */
export function keyIdOf(ciphertext: string): string {
  const parts = ciphertext.split(":");
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new DecryptionError("Not a Tracecast ciphertext");
  return parts[1];
}

export function decryptJson<T = unknown>(ciphertext: string, owner: SecretOwner, ring: KeyRing = keyRing()): T {
  const keyId = keyIdOf(ciphertext);
  const [, , iv, tag, data] = ciphertext.split(":");
  const key = ring.keys.get(keyId);
  if (!key) throw new DecryptionError(`Ciphertext was made with key "${keyId}", which is not in ${ENV}`);
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(aadOf(owner, keyId));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const plain = Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]);
    return JSON.parse(plain.toString("utf8")) as T;
  } catch {
    // Wrong record (AAD mismatch), tampering or a wrong key: GCM cannot tell them apart.
    throw new DecryptionError(`Ciphertext does not authenticate for ${owner.kind} ${owner.id}`);
  }
}

/** The ciphertext under the active key, or null when it already is (rotation is idempotent). */
export function reencrypt(ciphertext: string, owner: SecretOwner, ring: KeyRing = keyRing()): string | null {
  if (keyIdOf(ciphertext) === ring.activeId) return null;
  return encryptJson(decryptJson(ciphertext, owner, ring), owner, ring);
}

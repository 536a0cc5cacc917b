// Deterministic identifiers derived from Tracecast's own ids. Platforms that insist on a particular id
// format (UUIDv7, 64-bit span ids, 128-bit hex trace ids) get one computed from our id, so a retried
// delivery writes the same ids again and the platform deduplicates/replaces instead of duplicating.
import { v7 as uuidv7 } from "uuid";
import { sha256, sha256Hex } from "@/lib/hash";

/** A UUIDv7 whose timestamp is `msecs` and whose remaining bits come from a hash of `seed`. */
export function deterministicUuidV7(msecs: number, seed: string): string {
  return uuidv7({ msecs, random: sha256(seed).subarray(0, 16) });
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A well-formed UUIDv7 (RFC 9562: version 7, variant 10), lower-cased; undefined for anything else. */
export function validUuidV7(id: string | null): string | undefined {
  return id !== null && UUID_V7.test(id) ? id.toLowerCase() : undefined;
}

/** An RFC 4122 version-4-shaped UUID made of hash bits (for APIs that only want "a uuid"). */
export function deterministicUuid(seed: string): string {
  const b = Buffer.from(sha256(seed).subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** 128-bit hex trace id, the derivation OpenRouter uses for OTLP (`sha256(id)[:32]`). */
export function hexTraceId(id: string): string {
  return sha256Hex(id).slice(0, 32);
}

/** Unsigned 64-bit decimal span id (Datadog's native span-id form), never 0. */
export function decimalSpanId(id: string): string {
  const n = sha256(id).readBigUInt64BE(0);
  return (n === 0n ? 1n : n).toString();
}

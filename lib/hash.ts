// SHA-256, used on hot paths (every ingest request hashes its API key and each trace's sampling key).
// crypto.hash is the one-shot form (Node ≥ 20.12): no Hash object per call, ~4× faster than
// createHash().update().digest() for short inputs.
import crypto from "node:crypto";

export function sha256(input: string): Buffer {
  return crypto.hash("sha256", input, "buffer");
}

export function sha256Hex(input: string): string {
  return crypto.hash("sha256", input, "hex");
}

// Bearer secrets (API keys, invite links): 256 random bits, stored only as their sha256. Such a
// secret cannot be brute-forced from its hash, so a fast hash plus a unique index is the whole
// verification, and nothing compares secrets character by character.
import crypto from "node:crypto";

/** 32 random bytes as 43 base64url characters. */
export function randomToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

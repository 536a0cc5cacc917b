// Password hashing: argon2id (the @node-rs/argon2 default algorithm) with the OWASP-recommended
// minimum cost (19 MiB, 2 passes, 1 lane), about 50–150 ms per hash on this hardware.
import { hash, verify } from "@node-rs/argon2";

const COST = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, COST);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed sign-in, not a crash.
    return false;
  }
}

// Verifying against this when the email is unknown makes "no such user" take as long as "wrong
// password", so response times do not reveal which emails have accounts.
let decoyHash: Promise<string> | undefined;

/** Burns the time of one verification; always false. */
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoyHash ??= hashPassword("tracecast-decoy-password");
  await verifyPassword(await decoyHash, password);
  return false;
}

// Failed API-key attempts per client address: after `maxFailures` invalid keys within `windowMs`,
// the address is refused (429 with Retry-After) for `firstBlockMs`, doubled for each further block
// while the failures go on, up to `maxBlockMs`. A blocked address is refused before its key is
// hashed or looked up, so guessing costs the server next to nothing; addresses that present valid
// keys never wait. The state lives in this process's memory (like the ingest rate limit), bounded.
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { processSingleton } from "@/lib/process/singleton";

export type FailedAttemptConfig = { maxFailures: number; windowMs: number; firstBlockMs: number; maxBlockMs: number };

const positiveInt = z.coerce.number().int().positive();

/**
 * TRACECAST_API_KEY_MAX_FAILURES (default 20) failures per TRACECAST_API_KEY_FAILURE_WINDOW_SECONDS
 * (default 60) block an address for TRACECAST_API_KEY_BLOCK_SECONDS (default 10), doubling up to
 * TRACECAST_API_KEY_MAX_BLOCK_SECONDS (default 900).
 */
export function failedAttemptConfigFromEnv(env: Record<string, string | undefined> = process.env): FailedAttemptConfig {
  const seconds = z
    .object({
      maxFailures: positiveInt.default(20),
      window: positiveInt.default(60),
      firstBlock: positiveInt.default(10),
      maxBlock: positiveInt.default(900),
    })
    .parse({
      maxFailures: env.TRACECAST_API_KEY_MAX_FAILURES || undefined,
      window: env.TRACECAST_API_KEY_FAILURE_WINDOW_SECONDS || undefined,
      firstBlock: env.TRACECAST_API_KEY_BLOCK_SECONDS || undefined,
      maxBlock: env.TRACECAST_API_KEY_MAX_BLOCK_SECONDS || undefined,
    });
  return { maxFailures: seconds.maxFailures, windowMs: seconds.window * 1000, firstBlockMs: seconds.firstBlock * 1000, maxBlockMs: seconds.maxBlock * 1000 };
}

type AddressState = { failures: number; windowStart: number; blockedUntil: number; blocks: number; lastFailure: number };

/** Addresses tracked at most (the least recently failing are forgotten first). */
const MAX_ADDRESSES = 100_000;

export class FailedAttemptLimiter {
  readonly #config: FailedAttemptConfig;
  readonly #now: () => number;
  readonly #addresses: LRUCache<string, AddressState>;

  constructor(config: FailedAttemptConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
    // An address quiet for the longest block starts over (its next block is the first one again).
    this.#addresses = new LRUCache({ max: MAX_ADDRESSES, ttl: Math.max(config.maxBlockMs, config.windowMs) * 2, ttlAutopurge: false, perf: { now } });
  }

  /** Seconds until `address` may try again (for Retry-After), or 0 when it is not blocked. */
  retryAfter(address: string): number {
    const state = this.#addresses.get(address, { updateAgeOnGet: false });
    const remaining = (state?.blockedUntil ?? 0) - this.#now();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  /** Counts a failed attempt; blocks the address once it reaches the limit within the window. */
  fail(address: string): void {
    const now = this.#now();
    const { maxFailures, windowMs, firstBlockMs, maxBlockMs } = this.#config;
    const state = this.#addresses.get(address) ?? { failures: 0, windowStart: now, blockedUntil: 0, blocks: 0, lastFailure: now };
    if (now - state.lastFailure > maxBlockMs) state.blocks = 0;
    if (now - state.windowStart > windowMs) {
      state.failures = 0;
      state.windowStart = now;
    }
    state.failures++;
    state.lastFailure = now;
    if (state.failures >= maxFailures) {
      state.blockedUntil = now + Math.min(maxBlockMs, firstBlockMs * 2 ** state.blocks);
      state.blocks++;
      state.failures = 0;
      state.windowStart = now;
    }
    this.#addresses.set(address, state);
  }
}

/** The process-wide limiter of failed API-key attempts (configured from the environment on first use). */
export function failedApiKeyAttempts(): FailedAttemptLimiter {
  return processSingleton("failedApiKeyAttempts", () => new FailedAttemptLimiter(failedAttemptConfigFromEnv()));
}

/** Throws the 429 for an address blocked after too many invalid keys (before its key is even hashed). */
export function refuseBlockedAddress(address: string | undefined): void {
  if (address === undefined) return;
  const retryAfter = failedApiKeyAttempts().retryAfter(address);
  if (retryAfter > 0) {
    throw new ApiError(
      429,
      "too_many_failed_attempts",
      `Too many requests with an invalid API key from this address; retry after ${retryAfter} s`,
      undefined,
      { "Retry-After": String(retryAfter) },
    );
  }
}

/** Counts an invalid API key presented from `address`. */
export function recordFailedApiKey(address: string | undefined): void {
  if (address !== undefined) failedApiKeyAttempts().fail(address);
}

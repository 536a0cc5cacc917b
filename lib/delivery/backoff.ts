// When a failed delivery is tried again: exponential backoff with full jitter (5 s × 2^n, capped
// at 1 h), never sooner than the platform's Retry-After, and never past the retry window.
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, BACKOFF_FLOOR_MS } from "./settings";

/** Delay before attempt `attempts + 1`, where `attempts` have been made (≥ 1). */
export function backoffDelayMs(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.max(BACKOFF_FLOOR_MS, Math.round(random() * ceiling));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

export type RetryDecision = { retry: true; at: Date } | { retry: false; reason: string };

/**
 * Next attempt for a delivery queued at `queuedAt`, or give up: when the retry window is over, or
 * when the platform asks us to wait past its end.
 */
export function nextAttempt(opts: {
  attempts: number;
  queuedAt: Date;
  now: Date;
  retryWindowMs: number;
  retryAfterMs?: number;
  random?: () => number;
}): RetryDecision {
  const deadline = opts.queuedAt.getTime() + opts.retryWindowMs;
  const hours = Math.round(opts.retryWindowMs / 3_600_000);
  if (opts.now.getTime() >= deadline) return { retry: false, reason: `gave up after ${opts.attempts} attempts over ${hours} h` };
  if (opts.retryAfterMs !== undefined && opts.now.getTime() + opts.retryAfterMs > deadline) {
    return { retry: false, reason: `the platform asked to retry after the ${hours} h retry window` };
  }
  const at = opts.now.getTime() + backoffDelayMs(opts.attempts, opts.retryAfterMs, opts.random);
  // One last attempt at the end of the window rather than none.
  return { retry: true, at: new Date(Math.min(at, deadline)) };
}

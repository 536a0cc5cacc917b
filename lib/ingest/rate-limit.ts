// Per-API-key token bucket for the ingest API: `rate` requests per second sustained, bursts up to
// `burst`. Checked before the body is read, so a flooding client costs no parsing.
//
// The default is set at what one server process can take (docs/benchmarks.md: a few thousand
// single-trace requests per second), so it only stops a key that would saturate the server anyway:
// a lower default refused busy but legitimate apps, and a trace refused with 429 is lost unless the
// client retries. Installations that meter keys set TRACECAST_INGEST_RATE_PER_SEC lower.
//
// The buckets live in this process's memory: a deployment running N instances behind a load
// balancer allows up to N × the configured rate per key. That is the intended trade-off for a
// limiter whose job is to protect each instance, not to meter customers exactly.
import { z } from "zod";
import { processSingleton } from "@/lib/process/singleton";

export type RateLimitConfig = { ratePerSec: number; burst: number };

const positiveNumber = z.coerce.number().positive().finite();

export const DEFAULT_INGEST_RATE_LIMIT: RateLimitConfig = { ratePerSec: 5000, burst: 10_000 };

/** TRACECAST_INGEST_RATE_PER_SEC and TRACECAST_INGEST_BURST (defaults: DEFAULT_INGEST_RATE_LIMIT). */
export function rateLimitConfigFromEnv(env: Record<string, string | undefined> = process.env): RateLimitConfig {
  return z
    .object({
      ratePerSec: positiveNumber.default(DEFAULT_INGEST_RATE_LIMIT.ratePerSec),
      burst: positiveNumber.min(1).default(DEFAULT_INGEST_RATE_LIMIT.burst),
    })
    .parse({ ratePerSec: env.TRACECAST_INGEST_RATE_PER_SEC || undefined, burst: env.TRACECAST_INGEST_BURST || undefined });
}

type Bucket = { tokens: number; updatedAt: number };

/** Buckets idle long enough to be full again carry no state; they are dropped past this count. */
const SWEEP_THRESHOLD = 10_000;

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Takes one token for `key`. Returns 0 when the request may proceed, otherwise the whole
   * number of seconds after which a token will be available (for Retry-After).
   */
  take(key: string): number {
    const now = this.now();
    const { ratePerSec, burst } = this.config;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_THRESHOLD) this.sweep(now);
      bucket = { tokens: burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSec);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSec));
  }

  private sweep(now: number): void {
    const { ratePerSec, burst } = this.config;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) / 1000) * ratePerSec >= burst) this.buckets.delete(key);
    }
  }
}

/** The process-wide limiter of POST /api/v1/traces (configured from the environment on first use). */
export function ingestRateLimiter(): TokenBucketLimiter {
  return processSingleton("ingestRateLimiter", () => new TokenBucketLimiter(rateLimitConfigFromEnv()));
}

import { describe, expect, it } from "vitest";
import { DEFAULT_INGEST_RATE_LIMIT, rateLimitConfigFromEnv, TokenBucketLimiter } from "@/lib/ingest/rate-limit";

function limiter(ratePerSec: number, burst: number) {
  let now = 0;
  const l = new TokenBucketLimiter({ ratePerSec, burst }, () => now);
  return { l, advance: (ms: number) => (now += ms) };
}

describe("TokenBucketLimiter", () => {
  it("allows a burst, then refuses with the seconds until the next token", () => {
    const { l } = limiter(2, 3);
    expect([l.take("k"), l.take("k"), l.take("k")]).toEqual([0, 0, 0]);
    expect(l.take("k")).toBe(1);
  });

  it("refills at the configured rate, never above the burst", () => {
    const { l, advance } = limiter(10, 5);
    for (let i = 0; i < 5; i++) l.take("k");
    expect(l.take("k")).toBeGreaterThan(0);
    advance(100); // one token
    expect(l.take("k")).toBe(0);
    expect(l.take("k")).toBeGreaterThan(0);
    advance(60_000);
    const allowed = Array.from({ length: 10 }, () => l.take("k")).filter((r) => r === 0).length;
    expect(allowed).toBe(5);
  });

  it("rounds Retry-After up for slow rates", () => {
    const { l } = limiter(0.25, 1);
    l.take("k");
    expect(l.take("k")).toBe(4);
  });

  it("keeps a separate bucket per key", () => {
    const { l } = limiter(1, 1);
    expect(l.take("a")).toBe(0);
    expect(l.take("a")).toBe(1);
    expect(l.take("b")).toBe(0);
  });
});

describe("the default ingest limit", () => {
  /** Requests admitted out of `perSecond` a second for `seconds`, evenly spaced, on a fake clock. */
  function admittedAtSteadyRate(l: TokenBucketLimiter, advance: (ms: number) => void, perSecond: number, seconds: number) {
    let admitted = 0;
    for (let i = 0; i < perSecond * seconds; i++) {
      if (l.take("busy-app") === 0) admitted++;
      advance(1000 / perSecond);
    }
    return admitted;
  }

  it("admits an app that sustains 400 requests a second from one key (a busy app, well under one server's capacity)", () => {
    let now = 0;
    const l = new TokenBucketLimiter(rateLimitConfigFromEnv({}), () => now);
    expect(admittedAtSteadyRate(l, (ms) => (now += ms), 400, 60)).toBe(400 * 60);
  });

  it("still refuses a key above a configured limit", () => {
    let now = 0;
    const l = new TokenBucketLimiter(rateLimitConfigFromEnv({ TRACECAST_INGEST_RATE_PER_SEC: "100", TRACECAST_INGEST_BURST: "100" }), () => now);
    const admitted = admittedAtSteadyRate(l, (ms) => (now += ms), 400, 10);
    // The burst, then 100 a second.
    expect(admitted).toBeGreaterThanOrEqual(100 + 100 * 10 - 2);
    expect(admitted).toBeLessThanOrEqual(100 + 100 * 10 + 2);
  });
});

describe("rateLimitConfigFromEnv", () => {
  it("defaults to one server's capacity and reads the environment", () => {
    expect(rateLimitConfigFromEnv({})).toEqual(DEFAULT_INGEST_RATE_LIMIT);
    expect(DEFAULT_INGEST_RATE_LIMIT.ratePerSec).toBeGreaterThanOrEqual(1000);
    expect(rateLimitConfigFromEnv({ TRACECAST_INGEST_RATE_PER_SEC: "50", TRACECAST_INGEST_BURST: "75" })).toEqual({ ratePerSec: 50, burst: 75 });
    expect(() => rateLimitConfigFromEnv({ TRACECAST_INGEST_RATE_PER_SEC: "fast" })).toThrow();
  });
});

// Operator settings of the delivery engine (docs/development.md lists them). Read on each use so
// tests and long-running processes see the current environment.

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
}

export type DispatcherMode = "inline" | "inngest" | "none";

export const deliverySettings = {
  /** How long a delivery is retried before it is marked failed, counted from when it was queued (or its destination last resumed, if later: lib/delivery/drain.ts). */
  retryWindowMs: () => positiveNumber("TRACECAST_RETRY_WINDOW_HOURS", 24) * 3_600_000,
  /** A destination failing without a single success for this long is paused automatically. */
  autoPauseAfterMs: () => positiveNumber("TRACECAST_AUTO_PAUSE_AFTER_MINUTES", 360) * 60_000,
  /** Traces (and their delivery rows) older than this are deleted. */
  retentionMs: () => positiveNumber("TRACECAST_RETENTION_DAYS", 30) * 86_400_000,
  /**
   * How long a drain owns the rows it claimed without renewing: the drain renews the lease while it
   * sends (every third of it), so it can be short; a drain that crashes releases its rows when the
   * lease runs out.
   */
  leaseMs: () => positiveNumber("TRACECAST_DELIVERY_LEASE_SECONDS", 30) * 1000,
  /**
   * Claims of one destination a drain has in progress at once while it works through a backlog
   * (lib/delivery/drain.ts): one is sent while the next is claimed and loaded.
   */
  drainLanes: () => Math.floor(positiveNumber("TRACECAST_DRAIN_LANES", 2)),
  dispatcher(): DispatcherMode {
    const mode = process.env.TRACECAST_DISPATCHER ?? "inline";
    if (mode !== "inline" && mode !== "inngest" && mode !== "none") {
      throw new Error(`TRACECAST_DISPATCHER must be inline, inngest or none (got "${mode}")`);
    }
    return mode;
  },
};

/** First retry after 5 s, doubling per attempt, never more than an hour apart. */
export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_CAP_MS = 3_600_000;
/** Jitter never schedules a retry sooner than this (full jitter could otherwise pick ~0 ms). */
export const BACKOFF_FLOOR_MS = 1_000;

// Error classification shared by every destination: retryable or permanent, with the platform's
// status and a short excerpt of its answer.
export type DeliveryErrorKind =
  | "http" // the platform answered with a non-2xx status
  | "network" // connection refused/reset, DNS failure
  | "timeout"
  | "blocked_target" // SSRF guard refused the URL
  | "config" // the destination's configuration cannot work (bad credentials format, missing table…)
  | "encode"; // the trace could not be encoded for this platform

export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly responseBody?: string;

  constructor(
    kind: DeliveryErrorKind,
    message: string,
    opts: { retryable: boolean; status?: number; retryAfterMs?: number; responseBody?: string; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = "DeliveryError";
    this.kind = kind;
    this.retryable = opts.retryable;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.responseBody = opts.responseBody;
  }
}

/** Network errors, 408, 425, 429 and 5xx are worth retrying; any other 4xx is permanent. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Retry-After as seconds or an HTTP date → milliseconds from now (undefined when absent/invalid). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

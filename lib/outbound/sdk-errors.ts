// Classification of failures thrown by official SDK clients (AWS SDK, @clickhouse/client) that have
// no HTTP status: the attempt's deadline or cancellation → timeout; anything else (refused, reset,
// DNS) → network. Both retryable, like the same failures on the shared HTTP path.
import { DeliveryError } from "./errors";

export function transportError(err: unknown, ctx: { signal: AbortSignal; timeoutMs: number }, target: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  if (ctx.signal.aborted || e?.name === "AbortError" || e?.name === "TimeoutError") {
    return new DeliveryError("timeout", `${target} did not answer within ${ctx.timeoutMs} ms`, { retryable: true, cause: err });
  }
  const detail = e?.code ?? e?.message ?? String(err);
  return new DeliveryError("network", `Could not reach ${target}: ${detail}`, { retryable: true, cause: err });
}

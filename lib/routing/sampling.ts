// Deterministic sampling. Each trace gets ONE number in [0, 1) from a hash of its sampling key;
// a destination with rate r receives the trace when that number is below r. Because the number
// does not depend on the destination (no per-destination salt):
// - a whole session (or a whole multi-generation trace) is in or out together;
// - a 5 % destination receives a subset of what a 50 % destination receives, so sampled
//   platforms can be compared with each other and with an unsampled one;
// - the decision is reproducible: a replay routes the same traces again.
import { sha256 } from "@/lib/hash";
import type { Trace } from "@/lib/traces/schema";

export const MIN_SAMPLING_RATE = 0.0001;
export const MAX_SAMPLING_RATE = 1;

/** The key a trace is sampled by: its session, else its caller-given trace id, else its own id. */
export function samplingKey(trace: Pick<Trace, "id" | "session_id" | "trace">): string {
  // Prefixed so a session and a trace id that happen to be equal strings are still distinct keys.
  if (trace.session_id) return `session:${trace.session_id}`;
  if (trace.trace.trace_id) return `trace:${trace.trace.trace_id}`;
  return `generation:${trace.id}`;
}

/** Uniform position of a key in [0, 1): the first 52 bits of sha256(key) (exact in a double). */
export function samplingPoint(key: string): number {
  const digest = sha256(key);
  // 6 bytes = 48 bits, plus the high nibble of the 7th byte = 52 bits.
  const high48 = digest.readUIntBE(0, 6);
  const next4 = digest[6] >> 4;
  return (high48 * 16 + next4) / 2 ** 52;
}

/** Whether a trace at `point` is sampled into a destination with `rate` (rate 1 = always). */
export function isSampled(point: number, rate: number): boolean {
  return point < rate;
}

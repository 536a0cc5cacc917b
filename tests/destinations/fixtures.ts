// Trace variants the native-destination tests run every encoder over: nested (trace → span →
// generation, custom metadata), plain (no trace context, no user, no cost), error, privacy mode and
// the connection-test trace. Timings are recent (Datadog refuses spans older than 24 h).
import { connectionTestTrace, outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";
import type { OutboundTrace } from "@/lib/destinations/types";

export function recent(trace: Trace, agoMs = 5_000): Trace {
  const start = new Date(Date.now() - agoMs);
  const end = new Date(start.getTime() + trace.timing.duration_ms);
  return { ...trace, timing: { ...trace.timing, start: start.toISOString(), end: end.toISOString() }, received_at: end.toISOString() };
}

export const NO_CONTEXT: Trace["trace"] = { trace_id: null, trace_name: null, span_name: null, generation_name: null, parent_span_id: null };

export function variants(): Record<"nested" | "plain" | "error" | "privacy" | "test", OutboundTrace> {
  const nested = recent(sampleTrace({ id: "gen-nested" }));
  return {
    nested: outbound(nested),
    plain: outbound(
      recent(
        sampleTrace({
          id: "gen-plain",
          trace: NO_CONTEXT,
          user: null,
          session_id: null,
          metadata: {},
          cost: { input: null, output: null, total: null },
          usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7, cached_tokens: null, reasoning_tokens: null },
          timing: { start: "", end: "", duration_ms: 900, time_to_first_token_ms: null },
        }),
      ),
      0.5,
    ),
    error: outbound(
      recent(
        sampleTrace({
          id: "gen-error",
          status: "error",
          error: { message: "Upstream overloaded", code: "overloaded", status: 529 },
          response: { id: null, model: null, messages: [] },
          finish_reason: null,
        }),
      ),
    ),
    privacy: outbound(applyPrivacy(nested)),
    test: outbound(connectionTestTrace(), 1, "test-delivery"),
  };
}

/** Strings of the sample conversation that must never leave in privacy mode. */
export const PRIVATE_STRINGS = ["weather in Paris", "18 °C", "helpful weather assistant", '\\"city\\":\\"Paris\\"', "Current weather for a city"];

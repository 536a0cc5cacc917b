// What one destination receives of a trace: privacy mode and the generation-metadata switches,
// applied in this one place before any encoder sees the trace (delivery and "Test connection"),
// so no destination type can forget either.
import type { GenerationMetadataSwitches } from "@/lib/traces/generation-metadata";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";

export type TraceShaping = GenerationMetadataSwitches & { privacyMode: boolean };

/** A switched-off group's fields, emptied (null: "not sent", which every encoder already leaves out or sends empty). */
const WITHOUT: Record<keyof GenerationMetadataSwitches, (trace: Trace) => Trace> = {
  broadcastGenerationCost: (trace) => ({ ...trace, cost: { ...trace.cost, input: null, output: null } }),
  broadcastGenerationIdentity: (trace) => ({
    ...trace,
    user: null,
    api_key_name: null,
    response: { ...trace.response, id: null },
    app: { name: null, url: null },
    user_agent: null,
  }),
  broadcastGenerationRequestContext: (trace) => ({ ...trace, stream: null, finish_reason: null, source: null, upstream: null }),
};

export function shapeTrace(trace: Trace, shaping: TraceShaping): Trace {
  let shaped = shaping.privacyMode ? applyPrivacy(trace) : trace;
  for (const [setting, without] of Object.entries(WITHOUT) as [keyof GenerationMetadataSwitches, (t: Trace) => Trace][]) {
    if (!shaping[setting]) shaped = without(shaped);
  }
  return shaped;
}

/** The shaping settings of a destination row (or any object carrying its columns). */
export const traceShapingOf = (row: TraceShaping): TraceShaping => ({
  privacyMode: row.privacyMode,
  broadcastGenerationCost: row.broadcastGenerationCost,
  broadcastGenerationIdentity: row.broadcastGenerationIdentity,
  broadcastGenerationRequestContext: row.broadcastGenerationRequestContext,
});

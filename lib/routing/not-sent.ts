// Why a destination did NOT get a trace, recorded at ingest next to where it was routed
// (TracePayload.notSent: { destinationId: reason }), so the Traces view can answer "why was this
// not sent?" exactly as routing decided it, however the destination has changed since. Small on
// purpose (it is written with every trace): a tag `r`, and only what the sentence needs. A
// destination that did get the trace (TracePayload.routes), or that did not exist yet, has none.
// No node imports: the UI reads these types to put each reason into words.
import type { FilterOperator } from "./filter-vocabulary";

/** A filter rule as a reason names it: field, operator and value (long values clipped). */
export type RuleSummary = { field: string; operator: FilterOperator; value?: string | number };

export type NotSentReason =
  /** Sampled out: the trace's sampling point was at or above the destination's rate. */
  | { r: "sampled_out"; rate: number }
  /**
   * No filter group matched. `rule`: the rule that failed in the first group (the first rule of an
   * `and` group that did not hold; the first of an `or` group, none of which held); `others`: how
   * many further groups did not match either.
   */
  | { r: "filter"; rule: RuleSummary; others?: number }
  /** The stored filter rules do not validate (edited by hand): nothing passes them. */
  | { r: "filter_invalid" }
  /** The destination takes only listed API keys, and this trace's key (or no key: a test trace) is not one. */
  | { r: "key_not_included" }
  | { r: "key_excluded" }
  | { r: "disabled" }
  /** The workspace's Broadcast switch was off: the trace was stored and sent nowhere (a replay can send it). */
  | { r: "broadcast_off" }
  /** A test trace sent from another destination's page, for that destination only. */
  | { r: "test_for_other" };

export type NotSentReasons = Record<string, NotSentReason>;

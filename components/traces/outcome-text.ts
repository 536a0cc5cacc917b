// A trace's outcome at a destination in words: the badge, and for traces not sent the reason
// routing recorded at ingest ("sampled out at 10%", "filter rule "Model contains claude" did not
// match", …). Pure, so tests/components/traces/outcome-text.test.ts checks every sentence.
import { fieldLabel } from "@/components/observability/filter-builder-state";
import { formatRate } from "@/components/observability/sampling-scale";
import { OPERATOR_LABELS, type FilterField } from "@/lib/routing/filter-vocabulary";
import type { NotSentReason } from "@/lib/routing/not-sent";
import type { Outcome, TraceDestination, TraceRow } from "./api";

export type OutcomeTone = "success" | "progress" | "warning" | "destructive" | "muted";
export type OutcomeText = { badge: string; tone: OutcomeTone; detail?: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "Model contains "claude"", "Total tokens > 1000", "metadata "tier" is set". */
function ruleText(rule: Extract<NotSentReason, { r: "filter" }>["rule"]): string {
  const value = rule.value === undefined ? "" : typeof rule.value === "string" ? ` "${rule.value}"` : ` ${rule.value}`;
  return `${fieldLabel(rule.field as FilterField)} ${OPERATOR_LABELS[rule.operator] ?? rule.operator}${value}`;
}

/** Why a destination did not get the trace, in a sentence fragment. */
export function notSentText(reason: NotSentReason, trace: Pick<TraceRow, "apiKeyName">): string {
  switch (reason.r) {
    case "sampled_out":
      return `sampled out at ${formatRate(reason.rate)}`;
    case "filter":
      return `filter rule ${ruleText(reason.rule)} did not match${reason.others ? ` (nor did ${plural(reason.others, "other group")})` : ""}`;
    case "filter_invalid":
      return "its filter rules are invalid, so nothing passes them";
    case "key_not_included":
      return trace.apiKeyName ? `API key "${trace.apiKeyName}" not included` : "sent without an API key; the destination takes only listed keys";
    case "key_excluded":
      return `API key "${trace.apiKeyName ?? "unknown"}" excluded`;
    case "disabled":
      return "destination disabled";
    case "broadcast_off":
      return "Broadcast was off";
    case "test_for_other":
      return "a test trace for another destination";
  }
}

/** What a waiting trace waits for: the destination's switches, then the workspace's Broadcast. */
function waitingFor(destination: TraceDestination, broadcastEnabled: boolean): string {
  if (!destination.enabled) return "disabled";
  if (destination.status === "paused") return "paused";
  if (destination.status === "auto_paused") return "auto-paused";
  if (!broadcastEnabled) return "Broadcast off";
  return "held";
}

export function outcomeText(outcome: Outcome, destination: TraceDestination, trace: Pick<TraceRow, "apiKeyName">, broadcastEnabled: boolean): OutcomeText {
  const lastError = outcome.lastError ? outcome.lastError : undefined;
  switch (outcome.status) {
    case "delivered":
      return { badge: "Delivered", tone: "success" };
    case "sending":
      return { badge: "Sending", tone: "progress" };
    case "retrying":
      return { badge: "Retrying", tone: "warning", detail: [outcome.attempts ? `${plural(outcome.attempts, "attempt")} so far` : undefined, lastError].filter(Boolean).join(": ") || undefined };
    case "failed":
      return { badge: "Failed", tone: "destructive", detail: lastError };
    case "waiting":
      return { badge: `Waiting: ${waitingFor(destination, broadcastEnabled)}`, tone: "muted" };
    case "dropped":
      return { badge: "Dropped", tone: "muted", detail: lastError };
    case "not_sent":
      return { badge: "Not sent", tone: "muted", detail: outcome.reason ? notSentText(outcome.reason, trace) : undefined };
    case "not_recorded":
      return { badge: "Not sent", tone: "muted", detail: "reason not recorded (stored before Tracecast recorded reasons)" };
    case "added_later":
      return { badge: "—", tone: "muted", detail: "destination added after this trace" };
  }
}

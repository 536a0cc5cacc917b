// Every sentence the Traces view says about a trace at a destination (components/traces/outcome-text.ts).
import { describe, expect, it } from "vitest";
import type { Outcome, TraceDestination } from "@/components/traces/api";
import { outcomeText } from "@/components/traces/outcome-text";

const active: TraceDestination = { id: "d", name: "Langfuse", type: "langfuse", enabled: true, status: "active" };
const prod = { apiKeyName: "Prod" };
const say = (outcome: Outcome, destination = active, trace: { apiKeyName: string | null } = prod, broadcastEnabled = true) => {
  const text = outcomeText(outcome, destination, trace, broadcastEnabled);
  return text.detail ? `${text.badge}: ${text.detail}` : text.badge;
};

describe("outcomeText", () => {
  it("puts each not-sent reason into words", () => {
    const notSent = (reason: Outcome["reason"]) => say({ status: "not_sent", reason });
    expect(notSent({ r: "sampled_out", rate: 0.1 })).toBe("Not sent: sampled out at 10%");
    expect(notSent({ r: "filter", rule: { field: "model", operator: "contains", value: "claude" } })).toBe('Not sent: filter rule Model contains "claude" did not match');
    expect(notSent({ r: "filter", rule: { field: "total_tokens", operator: "gt", value: 1000 }, others: 2 })).toBe("Not sent: filter rule Total tokens > 1000 did not match (nor did 2 other groups)");
    expect(notSent({ r: "filter", rule: { field: "metadata.tier", operator: "exists" } })).toBe('Not sent: filter rule metadata "tier" is set did not match');
    expect(notSent({ r: "filter_invalid" })).toBe("Not sent: its filter rules are invalid, so nothing passes them");
    expect(notSent({ r: "key_not_included" })).toBe('Not sent: API key "Prod" not included');
    expect(say({ status: "not_sent", reason: { r: "key_not_included" } }, active, { apiKeyName: null })).toBe("Not sent: sent without an API key; the destination takes only listed keys");
    expect(notSent({ r: "key_excluded" })).toBe('Not sent: API key "Prod" excluded');
    expect(notSent({ r: "disabled" })).toBe("Not sent: destination disabled");
    expect(notSent({ r: "broadcast_off" })).toBe("Not sent: Broadcast was off");
    expect(notSent({ r: "test_for_other" })).toBe("Not sent: a test trace for another destination");
    expect(say({ status: "not_recorded" })).toBe("Not sent: reason not recorded (stored before Tracecast recorded reasons)");
    expect(say({ status: "added_later" })).toBe("—: destination added after this trace");
  });

  it("names the delivery status, and what a waiting trace waits for", () => {
    expect(say({ status: "delivered" })).toBe("Delivered");
    expect(say({ status: "sending" })).toBe("Sending");
    expect(say({ status: "retrying", attempts: 2, lastError: "HTTP 503" })).toBe("Retrying: 2 attempts so far: HTTP 503");
    expect(say({ status: "retrying" })).toBe("Retrying");
    expect(say({ status: "failed", attempts: 1, lastError: "HTTP 400: bad request" })).toBe("Failed: HTTP 400: bad request");
    expect(say({ status: "waiting" }, { ...active, status: "paused" })).toBe("Waiting: paused");
    expect(say({ status: "waiting" }, { ...active, status: "auto_paused" })).toBe("Waiting: auto-paused");
    expect(say({ status: "waiting" }, { ...active, enabled: false, status: "paused" })).toBe("Waiting: disabled");
    expect(say({ status: "waiting" }, active, prod, false)).toBe("Waiting: Broadcast off");
  });
});

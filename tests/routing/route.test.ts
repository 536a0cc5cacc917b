import { describe, expect, it } from "vitest";
import { createRouter, type RoutableDestination, type RouteDecision } from "@/lib/routing/route";
import type { Trace } from "@/lib/traces/schema";
import { samplingKey, samplingPoint } from "@/lib/routing/sampling";
import { sampleTrace } from "@/lib/traces/fixtures";

/** One trace through a router made for it (the app makes one router per workspace and reuses it). */
const routeTrace = (trace: Trace, apiKeyId: string | null, destinations: RoutableDestination[]): RouteDecision[] => createRouter(destinations)(trace, apiKeyId);

function destination(id: string, overrides: Partial<RoutableDestination> = {}): RoutableDestination {
  return { id, enabled: true, status: "active", apiKeyInclude: [], apiKeyExclude: [], filterRules: null, samplingRate: 1, ...overrides };
}

const ids = (decisions: { destinationId: string }[]) => decisions.map((d) => d.destinationId);

describe("createRouter", () => {
  const trace = sampleTrace();

  it("routes to every enabled destination with its sampling rate", () => {
    expect(routeTrace(trace, "key1", [destination("a"), destination("b", { samplingRate: 1 })])).toEqual([
      { destinationId: "a", samplingRate: 1, held: false },
      { destinationId: "b", samplingRate: 1, held: false },
    ]);
  });

  it("skips disabled destinations, and routes to paused and auto-paused ones as held", () => {
    const destinations = [
      destination("off", { enabled: false }),
      destination("paused", { status: "paused" }),
      destination("auto", { status: "auto_paused" }),
      destination("on"),
    ];
    expect(routeTrace(trace, "key1", destinations)).toEqual([
      { destinationId: "paused", samplingRate: 1, held: true },
      { destinationId: "auto", samplingRate: 1, held: true },
      { destinationId: "on", samplingRate: 1, held: false },
    ]);
  });

  it("applies API-key include (empty = all) and exclude lists", () => {
    const destinations = [
      destination("all"),
      destination("only-k1", { apiKeyInclude: ["k1"] }),
      destination("only-k2", { apiKeyInclude: ["k2", "k3"] }),
      destination("not-k1", { apiKeyExclude: ["k1"] }),
      destination("both", { apiKeyInclude: ["k1"], apiKeyExclude: ["k1"] }),
    ];
    expect(ids(routeTrace(trace, "k1", destinations))).toEqual(["all", "only-k1"]);
    expect(ids(routeTrace(trace, "k2", destinations))).toEqual(["all", "only-k2", "not-k1"]);
    // Keyless traces (test traces) only reach destinations that take every key.
    expect(ids(routeTrace(trace, null, destinations))).toEqual(["all", "not-k1"]);
  });

  it("applies filter rules", () => {
    const destinations = [
      destination("gpt", { filterRules: { groups: [{ rules: [{ field: "model", operator: "starts_with", value: "openai/" }] }] } }),
      destination("claude", { filterRules: { groups: [{ rules: [{ field: "model", operator: "contains", value: "claude" }] }] } }),
      destination("broken", { filterRules: { groups: [{ rules: [{ field: "model", operator: "contains", value: "" }] }] } }),
    ];
    expect(ids(routeTrace(trace, "k1", destinations))).toEqual(["gpt"]);
  });

  it("samples by one point per trace, so lower rates get a subset and sessions stay whole", () => {
    const rates = [0.1, 0.3, 0.6];
    const route = createRouter(rates.map((r) => destination(`d${r}`, { samplingRate: r })));
    const received = new Map<number, Set<string>>(rates.map((r) => [r, new Set()]));
    for (let s = 0; s < 2000; s++) {
      const decisions = [0, 1, 2].map((g) => ids(route(sampleTrace({ id: `gen-${s}-${g}`, session_id: `s${s}` }), "k1")));
      // Every generation of a session gets the same destinations.
      expect(decisions[1]).toEqual(decisions[0]);
      expect(decisions[2]).toEqual(decisions[0]);
      for (const r of rates) if (decisions[0].includes(`d${r}`)) received.get(r)!.add(`s${s}`);
    }
    const [low, mid, high] = rates.map((r) => received.get(r)!);
    expect([...low].every((s) => mid.has(s))).toBe(true);
    expect([...mid].every((s) => high.has(s))).toBe(true);
    expect(low.size).toBeGreaterThan(100);
    expect(high.size).toBeLessThan(1400);
  });

  it("records the sampling rate in force and decides by the trace's sampling point", () => {
    const t = sampleTrace({ session_id: "fixed-session" });
    const point = samplingPoint(samplingKey(t));
    const just = [destination("above", { samplingRate: Math.min(1, point + 1e-9) }), destination("below", { samplingRate: point })];
    expect(routeTrace(t, "k1", just)).toEqual([{ destinationId: "above", samplingRate: Math.min(1, point + 1e-9), held: false }]);
  });

  it("routes nowhere without destinations", () => {
    expect(routeTrace(trace, "k1", [])).toEqual([]);
  });
});

describe("createRouter: why each other destination did not get the trace", () => {
  const trace = sampleTrace({ session_id: "why-not" });
  const point = samplingPoint(samplingKey(trace));
  /** Routes the trace and collects the reasons the router tells. */
  function reasons(apiKeyId: string | null, destinations: RoutableDestination[]) {
    const told: Record<string, unknown> = {};
    const decisions = createRouter(destinations)(trace, apiKeyId, (id, reason) => (told[id] = reason));
    return { routed: ids(decisions), told };
  }

  it("names the first check that failed, for every destination not routed, and nothing for those routed", () => {
    const destinations = [
      destination("routed"),
      destination("paused", { status: "paused" }),
      destination("off", { enabled: false }),
      destination("only-k2", { apiKeyInclude: ["k2"], samplingRate: 0.0001 }),
      destination("not-k1", { apiKeyExclude: ["k1"], samplingRate: 0.0001 }),
      destination("sampled", { samplingRate: point, filterRules: { groups: [{ rules: [{ field: "model", operator: "contains", value: "claude" }] }] } }),
      destination("filtered", { filterRules: { groups: [{ rules: [{ field: "model", operator: "contains", value: "claude" }] }] } }),
    ];
    expect(reasons("k1", destinations)).toEqual({
      routed: ["routed", "paused"],
      told: {
        off: { r: "disabled" },
        "only-k2": { r: "key_not_included" },
        "not-k1": { r: "key_excluded" },
        sampled: { r: "sampled_out", rate: point },
        filtered: { r: "filter", rule: { field: "model", operator: "contains", value: "claude" } },
      },
    });
    // A keyless trace (Send test trace) is not among any include list's keys.
    expect(reasons(null, [destination("only-k2", { apiKeyInclude: ["k2"] })]).told).toEqual({ "only-k2": { r: "key_not_included" } });
  });

  it("names the rule of the first group that failed, and counts the other groups that did not match", () => {
    const filterRules = {
      groups: [
        { logic: "and", rules: [{ field: "provider", operator: "equals", value: "openai" }, { field: "total_tokens", operator: "gt", value: 100000 }, { field: "model", operator: "exists" }] },
        { logic: "or", rules: [{ field: "user_id", operator: "equals", value: "nobody" }] },
      ],
    };
    expect(reasons("k1", [destination("f", { filterRules })]).told).toEqual({
      f: { r: "filter", rule: { field: "total_tokens", operator: "gt", value: 100000 }, others: 1 },
    });
    // Another group matching sends the trace: no reason.
    const either = { groups: [...filterRules.groups, { logic: "and", rules: [{ field: "model", operator: "exists" }] }] };
    expect(reasons("k1", [destination("f", { filterRules: either })])).toEqual({ routed: ["f"], told: {} });
    // An `or` group fails only when none of its rules holds: its first rule is named; long values are clipped.
    const long = "x".repeat(200);
    const orGroup = { groups: [{ logic: "or", rules: [{ field: "model", operator: "equals", value: long }, { field: "provider", operator: "equals", value: "anthropic" }] }] };
    expect(reasons("k1", [destination("f", { filterRules: orGroup })]).told).toEqual({ f: { r: "filter", rule: { field: "model", operator: "equals", value: `${"x".repeat(79)}…` } } });
    // Rules edited by hand into something invalid let nothing through, and say so.
    expect(reasons("k1", [destination("f", { filterRules: { groups: [{ rules: [] }] } })]).told).toEqual({ f: { r: "filter_invalid" } });
  });

  it("says why each destination gets nothing while Broadcast is off (disabled ones: disabled)", () => {
    expect(createRouter([destination("on"), destination("paused", { status: "paused" }), destination("off", { enabled: false })]).whileBroadcastOff).toEqual({
      on: { r: "broadcast_off" },
      paused: { r: "broadcast_off" },
      off: { r: "disabled" },
    });
    expect(createRouter([]).whileBroadcastOff).toBeNull();
  });
});

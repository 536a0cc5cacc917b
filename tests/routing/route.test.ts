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

import { describe, expect, it } from "vitest";
import { niceCeiling, sparklinePath, stackedBars, successRates } from "@/components/observability/charts";
import { groupCatalog } from "@/components/observability/catalog-browser";
import type { DestinationType } from "@/components/observability/api";

describe("hand-rolled charts", () => {
  it("computes success rates with gaps where nothing was attempted", () => {
    expect(successRates([{ delivered: 3, failed: 1 }, { delivered: 0, failed: 0 }, { delivered: 0, failed: 2 }])).toEqual([0.75, null, 0]);
  });

  it("draws 100 % at the top, breaks the line at gaps and marks lone points as dots", () => {
    expect(sparklinePath([1, 0], 10, 10, 0)).toBe("M0.0 0.0L10.0 10.0");
    expect(sparklinePath([1, null, 1], 10, 10, 0)).toBe("M0.0 0.0h0M10.0 0.0h0");
    expect(sparklinePath([], 10, 10)).toBe("");
  });

  it("tops the latency chart at the next 1, 2 or 5 × 10ⁿ", () => {
    expect([0, 1, 3, 180, 200, 201, 950, 1001, 46_000].map(niceCeiling)).toEqual([1, 1, 5, 200, 200, 500, 1000, 2000, 50_000]);
  });

  it("stacks failed on top of delivered, scaled to the busiest bucket", () => {
    const [a, b] = stackedBars([{ delivered: 2, failed: 2 }, { delivered: 1, failed: 0 }], 100, 40, 0);
    expect(a.delivered).toEqual({ y: 20, height: 20 });
    expect(a.failed).toEqual({ y: 0, height: 20 });
    expect(b.delivered).toEqual({ y: 30, height: 10 });
    expect(b.x).toBe(50);
  });

  it("scales bars to the labelled top line when given one", () => {
    const [a] = stackedBars([{ delivered: 3, failed: 1 }], 100, 40, 0, 5);
    expect(a.delivered).toEqual({ y: 16, height: 24 });
    expect(a.failed).toEqual({ y: 8, height: 8 });
  });
});

describe("destination catalog search", () => {
  const entry = (type: string, name: string, category: DestinationType["category"]): DestinationType => ({
    type,
    name,
    category,
    description: `${name} ingestion`,
    docsUrl: "https://example.com",
    fields: [],
    hasSetupSql: false,
  });
  const types = [entry("langfuse", "Langfuse", "LLM observability"), entry("datadog", "Datadog", "APM & tracing"), entry("langsmith", "LangSmith", "LLM observability")];

  it("groups by category in catalog order and filters by name, type or category", () => {
    expect(groupCatalog(types, "").map(([c, e]) => [c, e.map((t) => t.type)])).toEqual([
      ["LLM observability", ["langfuse", "langsmith"]],
      ["APM & tracing", ["datadog"]],
    ]);
    expect(groupCatalog(types, "LANGS").map(([, e]) => e.map((t) => t.type))).toEqual([["langsmith"]]);
    expect(groupCatalog(types, "apm").map(([c]) => c)).toEqual(["APM & tracing"]);
    expect(groupCatalog(types, "nothing")).toEqual([]);
  });
});

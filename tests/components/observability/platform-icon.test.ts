// Every destination type has a mark of its own: the brand's (simple-icons) where the package has
// one, else a monogram chosen for it, never the two-letter fallback for an unknown type.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BRAND_TYPES, PlatformIcon } from "@/components/observability/platform-icon";
import { BRAND_MARKS } from "@/components/observability/platform-marks";
import { DESTINATIONS } from "@/lib/destinations/registry";

const markOf = (type: string) => renderToStaticMarkup(createElement(PlatformIcon, { type })).match(/data-mark="(\w+)"/)?.[1];

describe("platform marks", () => {
  it("draws the brand mark for the platforms simple-icons has (its path loads after the first paint)", () => {
    const brands = ["posthog", "datadog", "sentry", "snowflake", "clickhouse", "grafana", "newrelic", "otel-collector", "weave", "braintrust", "postgres", "supabase"];
    for (const type of brands) {
      expect([type, markOf(type)]).toEqual([type, "brand"]);
      expect([type, BRAND_MARKS[type]]).toEqual([type, expect.stringMatching(/^M/)]);
    }
    expect([...BRAND_TYPES].sort()).toEqual(Object.keys(BRAND_MARKS).sort());
  });

  it("gives every other destination type a monogram or glyph chosen for it", () => {
    const html = (type: string) => renderToStaticMarkup(createElement(PlatformIcon, { type }));
    for (const type of DESTINATIONS.keys()) {
      expect(markOf(type)).toBeDefined();
      if (markOf(type) === "monogram") expect(html(type)).not.toContain(`>${type.slice(0, 2)}<`);
    }
    expect(markOf("webhook")).toBe("glyph");
  });
});

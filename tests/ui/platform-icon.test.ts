// Every destination type has a mark of its own: the brand's (simple-icons) where the package has
// one, else a monogram chosen for it, never the two-letter fallback for an unknown type.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PlatformIcon } from "@/components/observability/platform-icon";
import { DESTINATIONS } from "@/lib/destinations/registry";

const markOf = (type: string) => renderToStaticMarkup(createElement(PlatformIcon, { type })).match(/data-mark="(\w+)"/)?.[1];

describe("platform marks", () => {
  it("draws the brand mark for the platforms simple-icons has", () => {
    for (const type of ["posthog", "datadog", "sentry", "snowflake", "clickhouse", "grafana", "newrelic", "otel-collector", "weave", "braintrust"]) {
      expect([type, markOf(type)]).toEqual([type, "brand"]);
    }
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

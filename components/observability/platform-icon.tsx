"use client";

// One small monochrome mark per platform, drawn inline in currentColor so it follows the theme (no
// external images: a self-hosted instance may have no internet). Brand marks come from simple-icons
// (CC0; imported one by one, so only these reach the bundle); platforms it has no mark for keep a
// letter monogram in a shape, and the generic webhook gets lucide's webhook glyph.
import * as React from "react";
import { WebhookIcon } from "lucide-react";
import { cn } from "@/lib/client/utils";

/**
 * The platforms simple-icons has a mark for. Their paths (several KiB) live in ./platform-marks and
 * load after the page's first paint: until then the mark's frame is drawn empty, at its size.
 */
export const BRAND_TYPES = new Set(["braintrust", "clickhouse", "datadog", "grafana", "newrelic", "otel-collector", "posthog", "postgres", "sentry", "snowflake", "supabase", "weave"]);

let brandMarks: Record<string, string> | undefined;
let brandMarksLoading: Promise<Record<string, string>> | undefined;

function useBrandMarks(): Record<string, string> | undefined {
  const [marks, setMarks] = React.useState(brandMarks);
  React.useEffect(() => {
    if (marks) return;
    let live = true;
    (brandMarksLoading ??= import("./platform-marks").then((m) => (brandMarks = m.BRAND_MARKS))).then((loaded) => live && setMarks(loaded));
    return () => {
      live = false;
    };
  }, [marks]);
  return marks;
}

type Monogram = { letters: string; shape: "square" | "circle" | "hexagon" | "diamond" };

/** The platforms simple-icons has no mark for. */
const MONOGRAMS: Record<string, Monogram> = {
  arize: { letters: "Az", shape: "hexagon" },
  phoenix: { letters: "Px", shape: "hexagon" },
  dynatrace: { letters: "Dt", shape: "diamond" },
  firehose: { letters: "Fh", shape: "square" },
  galileo: { letters: "Gl", shape: "hexagon" },
  helicone: { letters: "He", shape: "circle" },
  keywordsai: { letters: "Kw", shape: "square" },
  middleware: { letters: "Mw", shape: "circle" },
  langfuse: { letters: "Lf", shape: "hexagon" },
  langsmith: { letters: "Ls", shape: "hexagon" },
  opik: { letters: "Op", shape: "hexagon" },
  ramp: { letters: "Rp", shape: "square" },
  s3: { letters: "S3", shape: "square" },
};

const SHAPES: Record<Monogram["shape"], string> = {
  square: "M4 1h16a3 3 0 0 1 3 3v16a3 3 0 0 1-3 3H4a3 3 0 0 1-3-3V4a3 3 0 0 1 3-3z",
  circle: "M12 1a11 11 0 1 1 0 22a11 11 0 1 1 0-22z",
  hexagon: "M12 1l9.5 5.5v11L12 23l-9.5-5.5v-11z",
  diamond: "M12 1l11 11l-11 11L1 12z",
};

export function PlatformIcon({ type, className }: { type: string; className?: string }) {
  const classes = cn("text-foreground size-8 shrink-0", className);
  const marks = useBrandMarks();
  if (BRAND_TYPES.has(type)) {
    const brand = marks?.[type];
    return (
      // The mark inset a little so brand marks and monograms look the same size side by side.
      <svg viewBox="-3 -3 30 30" aria-hidden data-mark="brand" className={classes}>
        {brand && <path d={brand} fill="currentColor" />}
      </svg>
    );
  }
  if (type === "webhook") return <WebhookIcon aria-hidden data-mark="glyph" className={cn(classes, "p-0.5")} strokeWidth={1.75} />;
  const mark = MONOGRAMS[type] ?? { letters: type.slice(0, 2), shape: "square" as const };
  return (
    <svg viewBox="0 0 24 24" aria-hidden data-mark="monogram" className={classes}>
      <path d={SHAPES[mark.shape]} fill="none" stroke="currentColor" strokeWidth="1.5" opacity="0.55" />
      <text x="12" y="12.5" textAnchor="middle" dominantBaseline="middle" fontSize="8.5" fontWeight="600" fill="currentColor">
        {mark.letters}
      </text>
    </svg>
  );
}

// One small monochrome mark per platform, drawn inline (no external images: a self-hosted
// instance may have no internet, and logos are trademarks). Each is a letter-mark in a shape
// that hints at the product family, in currentColor so it follows the theme.
import { cn } from "@/lib/utils";

type Mark = { letters: string; shape: "square" | "circle" | "hexagon" | "diamond" };

const MARKS: Record<string, Mark> = {
  arize: { letters: "Az", shape: "hexagon" },
  phoenix: { letters: "Px", shape: "hexagon" },
  braintrust: { letters: "Bt", shape: "square" },
  clickhouse: { letters: "CH", shape: "square" },
  datadog: { letters: "Dd", shape: "circle" },
  dynatrace: { letters: "Dt", shape: "diamond" },
  firehose: { letters: "Fh", shape: "square" },
  grafana: { letters: "Gf", shape: "circle" },
  langfuse: { letters: "Lf", shape: "hexagon" },
  langsmith: { letters: "Ls", shape: "hexagon" },
  middleware: { letters: "Mw", shape: "circle" },
  newrelic: { letters: "NR", shape: "diamond" },
  opik: { letters: "Op", shape: "hexagon" },
  "otel-collector": { letters: "OT", shape: "circle" },
  posthog: { letters: "Ph", shape: "diamond" },
  ramp: { letters: "Rp", shape: "square" },
  s3: { letters: "S3", shape: "square" },
  sentry: { letters: "Se", shape: "diamond" },
  snowflake: { letters: "Sf", shape: "square" },
  weave: { letters: "Wv", shape: "hexagon" },
  webhook: { letters: "Wh", shape: "circle" },
};

const SHAPES: Record<Mark["shape"], string> = {
  square: "M4 1h16a3 3 0 0 1 3 3v16a3 3 0 0 1-3 3H4a3 3 0 0 1-3-3V4a3 3 0 0 1 3-3z",
  circle: "M12 1a11 11 0 1 1 0 22a11 11 0 1 1 0-22z",
  hexagon: "M12 1l9.5 5.5v11L12 23l-9.5-5.5v-11z",
  diamond: "M12 1l11 11l-11 11L1 12z",
};

export function PlatformIcon({ type, className }: { type: string; className?: string }) {
  const mark = MARKS[type] ?? { letters: type.slice(0, 2), shape: "square" as const };
  return (
    <svg viewBox="0 0 24 24" aria-hidden className={cn("text-foreground size-8 shrink-0", className)}>
      <path d={SHAPES[mark.shape]} fill="none" stroke="currentColor" strokeWidth="1.5" opacity="0.55" />
      <text x="12" y="12.5" textAnchor="middle" dominantBaseline="middle" fontSize="8.5" fontWeight="600" fill="currentColor">
        {mark.letters}
      </text>
    </svg>
  );
}

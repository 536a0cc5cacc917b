// Hand-rolled SVG charts (no chart library: these are two shapes, and the settings page has a
// bundle budget). Geometry lives in pure functions so it can be tested without a browser.
import { cn } from "@/lib/utils";

export type CountPoint = { delivered: number; failed: number };

/** Success rate per point (null where nothing was attempted). */
export function successRates(points: readonly CountPoint[]): (number | null)[] {
  return points.map((p) => (p.delivered + p.failed === 0 ? null : p.delivered / (p.delivered + p.failed)));
}

/**
 * A polyline through the points that have a value, scaled into width × height (0 at the bottom,
 * 1 at the top); gaps (null) break the line into separate "M…L…" runs.
 */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number, pad = 1.5): string {
  if (values.length === 0) return "";
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  // Runs of consecutive values; a run of one point becomes a zero-length segment, which a round
  // line cap draws as a dot (an hour with traffic between quiet hours stays visible).
  const runs: string[][] = [];
  let run: string[] | null = null;
  values.forEach((v, i) => {
    if (v === null) {
      run = null;
      return;
    }
    const x = pad + i * step;
    const y = pad + (1 - Math.min(1, Math.max(0, v))) * (height - 2 * pad);
    if (!run) runs.push((run = []));
    run.push(`${x.toFixed(1)} ${y.toFixed(1)}`);
  });
  return runs.map((r) => `M${r.join("L")}${r.length === 1 ? "h0" : ""}`).join("");
}

/** Stacked bars (delivered below, failed on top), scaled to the busiest bucket. */
export function stackedBars(points: readonly CountPoint[], width: number, height: number, gap = 1) {
  const max = Math.max(1, ...points.map((p) => p.delivered + p.failed));
  const barWidth = points.length ? Math.max(1, width / points.length - gap) : 0;
  return points.map((p, i) => {
    const x = i * (width / points.length);
    const deliveredHeight = (p.delivered / max) * height;
    const failedHeight = (p.failed / max) * height;
    return {
      x,
      width: barWidth,
      delivered: { y: height - deliveredHeight, height: deliveredHeight },
      failed: { y: height - deliveredHeight - failedHeight, height: failedHeight },
    };
  });
}

/** 24 h success-rate line for a destinations-list row. */
export function Sparkline({ points, label, className }: { points: readonly CountPoint[]; label: string; className?: string }) {
  const width = 96;
  const height = 24;
  const d = sparklinePath(successRates(points), width, height);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} className={cn("h-6 w-24", className)}>
      <line x1="0" x2={width} y1="1.5" y2="1.5" className="stroke-border" strokeDasharray="2 2" />
      {d ? (
        <path d={d} fill="none" className="stroke-current" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
      ) : (
        <line x1="0" x2={width} y1={height - 1.5} y2={height - 1.5} className="stroke-muted-foreground/40" />
      )}
    </svg>
  );
}

/** Delivered/failed counts per bucket, with axis labels for the first and last bucket. */
export function DeliveryBarChart({
  points,
  startLabel,
  endLabel,
  label,
}: {
  points: readonly CountPoint[];
  startLabel: string;
  endLabel: string;
  label: string;
}) {
  const width = 480;
  const height = 120;
  const bars = stackedBars(points, width, height);
  return (
    <figure className="grid gap-1">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label} className="h-32 w-full">
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} className="stroke-border" />
        {bars.map((b, i) => (
          <g key={i}>
            <rect x={b.x} width={b.width} y={b.delivered.y} height={b.delivered.height} className="fill-success/70" />
            <rect x={b.x} width={b.width} y={b.failed.y} height={b.failed.height} className="fill-destructive/80" />
          </g>
        ))}
      </svg>
      <figcaption className="text-muted-foreground flex justify-between text-xs">
        <span>{startLabel}</span>
        <span className="flex items-center gap-3">
          <span className="flex items-center gap-1">
            <span className="bg-success/70 inline-block size-2 rounded-sm" aria-hidden /> delivered
          </span>
          <span className="flex items-center gap-1">
            <span className="bg-destructive/80 inline-block size-2 rounded-sm" aria-hidden /> failed
          </span>
        </span>
        <span>{endLabel}</span>
      </figcaption>
    </figure>
  );
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1): a round top line for a chart. */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((nice) => nice >= value)!;
}

export type LineSeries = {
  name: string;
  values: readonly (number | null)[];
  /** The line's stroke and its legend swatch (whole class names, for Tailwind to see). */
  strokeClassName: string;
  swatchClassName: string;
};

/**
 * Lines per bucket scaled so `max` is the dashed top line; buckets without a value leave a gap. A
 * legend is shown when there is more than one line; `note` says what the top line stands for.
 */
export function LineChart({
  series,
  max,
  note,
  startLabel,
  endLabel,
  label,
}: {
  series: readonly LineSeries[];
  max: number;
  note: string;
  startLabel: string;
  endLabel: string;
  label: string;
}) {
  const width = 480;
  const height = 120;
  return (
    <figure className="grid gap-1">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label} className="h-32 w-full">
        <line x1="0" x2={width} y1="2" y2="2" className="stroke-border" strokeDasharray="4 4" vectorEffect="non-scaling-stroke" />
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} className="stroke-border" vectorEffect="non-scaling-stroke" />
        {series.map((line) => (
          <path
            key={line.name}
            d={sparklinePath(line.values.map((v) => (v === null ? null : v / max)), width, height, 2)}
            fill="none"
            className={line.strokeClassName}
            strokeWidth="3"
            strokeLinejoin="round"
            strokeLinecap="round"
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      <figcaption className="text-muted-foreground flex justify-between gap-2 text-xs">
        <span>{startLabel}</span>
        <span className="flex flex-wrap items-center justify-center gap-x-3">
          {series.length > 1 &&
            series.map((line) => (
              <span key={line.name} className="flex items-center gap-1">
                <span className={cn("inline-block h-0.5 w-3 rounded-full", line.swatchClassName)} aria-hidden /> {line.name}
              </span>
            ))}
          <span>{note}</span>
        </span>
        <span>{endLabel}</span>
      </figcaption>
    </figure>
  );
}

// Hand-rolled SVG charts (no chart library: these are two shapes, and the settings page has a
// bundle budget). Geometry lives in pure functions so it can be tested without a browser.
import type * as React from "react";
import { cn } from "@/lib/client/utils";

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

/**
 * Stacked bars (delivered below, failed on top), scaled to the busiest bucket or to `top` (the
 * chart's labelled top line) when given.
 */
export function stackedBars(points: readonly CountPoint[], width: number, height: number, gap = 1, top?: number) {
  const max = top ?? Math.max(1, ...points.map((p) => p.delivered + p.failed));
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

/** Smallest height of a bar with any traffic: one delivery among thousands stays visible. */
const MIN_BAR = 2;

/**
 * A destinations-list row's last 24 hours: a bar per hour, delivered (green) with failed (red) on
 * top, scaled to the busiest hour; quiet hours are a faint tick on the baseline.
 */
export function Sparkline({ points, label, className }: { points: readonly CountPoint[]; label: string; className?: string }) {
  const width = 96;
  const height = 28;
  const bars = stackedBars(points, width, height, 1);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} className={cn("h-7 w-24 shrink-0", className)}>
      {bars.map((b, i) => {
        const total = b.delivered.height + b.failed.height;
        if (total === 0) return <rect key={i} x={b.x} width={b.width} y={height - 1} height={1} className="fill-muted-foreground/25" />;
        // Lift tiny bars to MIN_BAR, keeping the failed share on top.
        const scale = total < MIN_BAR ? MIN_BAR / total : 1;
        const delivered = b.delivered.height * scale;
        const failed = b.failed.height * scale;
        return (
          <g key={i}>
            <rect x={b.x} width={b.width} y={height - delivered} height={delivered} className="fill-success" />
            <rect x={b.x} width={b.width} y={height - delivered - failed} height={failed} className="fill-destructive" />
          </g>
        );
      })}
    </svg>
  );
}

/**
 * A chart with its axes labelled: the y axis's top and 0 (with `unit`), the x axis's start,
 * middle and end, and a legend.
 */
function ChartFrame({
  yTop,
  yUnit,
  xLabels,
  legend,
  children,
}: {
  yTop: string;
  yUnit: string;
  xLabels: readonly [string, string, string];
  legend?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <figure className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-2 gap-y-1">
      <span className="text-muted-foreground col-span-2 text-[11px]" aria-hidden>
        {yUnit}
      </span>
      <div className="text-muted-foreground flex h-32 flex-col justify-between text-right text-[11px] tabular-nums" aria-hidden>
        <span>{yTop}</span>
        <span>0</span>
      </div>
      {children}
      <div className="text-muted-foreground col-start-2 flex justify-between text-[11px]" aria-hidden>
        {xLabels.map((x, i) => (
          <span key={i}>{x}</span>
        ))}
      </div>
      {legend && (
        <figcaption className="text-muted-foreground col-start-2 flex flex-wrap items-center justify-center gap-x-3 text-xs">{legend}</figcaption>
      )}
    </figure>
  );
}

function Swatch({ className, children }: { className: string; children: React.ReactNode }) {
  return (
    <span className="flex items-center gap-1">
      <span className={cn("inline-block rounded-sm", className)} aria-hidden /> {children}
    </span>
  );
}

/** Delivered/failed counts per bucket, the y axis topped at a round count. */
export function DeliveryBarChart({
  points,
  xLabels,
  unit,
  label,
}: {
  points: readonly CountPoint[];
  xLabels: readonly [string, string, string];
  /** What a bar counts, e.g. "per hour". */
  unit: string;
  label: string;
}) {
  const width = 480;
  const height = 120;
  const top = niceCeiling(Math.max(0, ...points.map((p) => p.delivered + p.failed)));
  const bars = stackedBars(points, width, height, 1, top);
  return (
    <ChartFrame
      yTop={String(top)}
      yUnit={unit}
      xLabels={xLabels}
      legend={
        <>
          <Swatch className="bg-success size-2">delivered</Swatch>
          <Swatch className="bg-destructive size-2">failed</Swatch>
        </>
      }
    >
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label} className="h-32 w-full">
        <line x1="0" x2={width} y1="0.5" y2="0.5" className="stroke-border" strokeDasharray="4 4" vectorEffect="non-scaling-stroke" />
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} className="stroke-border" vectorEffect="non-scaling-stroke" />
        {bars.map((b, i) => (
          <g key={i}>
            <rect x={b.x} width={b.width} y={b.delivered.y} height={b.delivered.height} className="fill-success" />
            <rect x={b.x} width={b.width} y={b.failed.y} height={b.failed.height} className="fill-destructive" />
          </g>
        ))}
      </svg>
    </ChartFrame>
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
 * Lines per bucket scaled so `max` is the dashed top line (labelled `yTop` on the y axis); buckets
 * without a value leave a gap. A legend names the lines when there is more than one; `note` adds
 * what the reader needs (e.g. that nothing was delivered).
 */
export function LineChart({
  series,
  max,
  yTop,
  unit,
  note,
  xLabels,
  label,
}: {
  series: readonly LineSeries[];
  max: number;
  yTop: string;
  unit: string;
  note?: string;
  xLabels: readonly [string, string, string];
  label: string;
}) {
  const width = 480;
  const height = 120;
  const legend =
    series.length > 1 || note ? (
      <>
        {series.length > 1 &&
          series.map((line) => (
            <Swatch key={line.name} className={cn("h-0.5 w-3 rounded-full", line.swatchClassName)}>
              {line.name}
            </Swatch>
          ))}
        {note && <span>{note}</span>}
      </>
    ) : undefined;
  return (
    <ChartFrame yTop={yTop} yUnit={unit} xLabels={xLabels} legend={legend}>
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
    </ChartFrame>
  );
}

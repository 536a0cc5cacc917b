"use client";

import * as React from "react";
import { useQuery } from "@tanstack/react-query";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { ErrorState } from "@/components/ui/error-state";
import { errorMessage } from "@/lib/client/api";
import { formatCount, formatDateTime, formatDuration, formatRelative } from "@/lib/client/format";
import { HEALTH_WINDOWS, observabilityApi, observabilityKeys, type DestinationHealth, type HealthWindow } from "./api";
import { DeliveryBarChart, LineChart, niceCeiling, successRates } from "./charts";
import { formatLatency } from "./delivery-log";
import { currentError } from "./destination-state";
import { useBroadcastAccess } from "./status";

const WINDOW_LABELS: Record<HealthWindow, string> = { "24h": "24 hours", "7d": "7 days" };

function Stat({ label, value, hint }: { label: string; value: React.ReactNode; hint?: React.ReactNode }) {
  return (
    <div className="grid content-start gap-0.5 rounded-lg border p-3">
      <dt className="text-muted-foreground text-xs">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value}</dd>
      {hint && <dd className="text-muted-foreground truncate text-xs">{hint}</dd>}
    </div>
  );
}

function bucketLabel(iso: string, window: HealthWindow): string {
  const d = new Date(iso);
  return window === "24h"
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function HealthFigures({ health }: { health: DestinationHealth }) {
  const rate = health.successRate === null ? "—" : `${Number((health.successRate * 100).toFixed(1))}%`;
  const first = health.buckets[0];
  const slowest = Math.max(0, ...health.buckets.map((b) => b.latencyMs.p95 ?? 0));
  const latencyTop = niceCeiling(slowest);
  const mostWaiting = Math.max(0, ...health.buckets.map((b) => b.backlog));
  // niceCeiling's 1, 2, 5 × 10ⁿ are whole numbers: the top line is a count of deliveries.
  const backlogTop = niceCeiling(mostWaiting);
  const lastError = currentError(health.lastError, health.lastSuccessAt);
  const perBucket = health.window === "24h" ? "hour" : "6 hours";
  const middle = health.buckets[Math.floor(health.buckets.length / 2)];
  const xLabels = first && middle ? ([bucketLabel(first.start, health.window), bucketLabel(middle.start, health.window), "now"] as const) : null;
  return (
    <div className="grid gap-4">
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Stat label="Success rate" value={rate} hint={`${health.delivered} delivered · ${health.failed} failed`} />
        <Stat label="Delivery latency p50" value={formatLatency(health.latencyMs.p50)} hint="trace received → delivered" />
        <Stat label="Delivery latency p95" value={formatLatency(health.latencyMs.p95)} />
        <Stat label="Backlog" value={formatCount(health.backlog, health.backlogCapped)} hint={health.retrying ? `${health.retrying} retrying` : "waiting to be sent"} />
        <Stat label="Oldest pending" value={health.oldestPendingAgeMs === null ? "—" : formatDuration(health.oldestPendingAgeMs)} />
      </dl>
      {lastError && (
        <div role="note" aria-label="Last error" className="border-destructive/30 bg-destructive/5 grid gap-1 rounded-lg border p-3 text-sm">
          <p className="font-medium">
            Last error
            {lastError.at && (
              <time className="text-muted-foreground font-normal" dateTime={lastError.at} title={formatDateTime(lastError.at)}>
                {" "}
                · {formatRelative(lastError.at)}
              </time>
            )}
          </p>
          <p className="text-muted-foreground font-mono text-xs break-words">{lastError.message}</p>
        </div>
      )}
      {health.buckets.every((b) => b.delivered + b.failed + b.backlog === 0) && health.backlog === 0 ? (
        <p className="text-muted-foreground flex h-44 items-center justify-center rounded-lg border border-dashed text-sm">
          No deliveries in the last {WINDOW_LABELS[health.window]}.
        </p>
      ) : xLabels && (
        <div className="grid gap-6 lg:grid-cols-2">
          <div className="grid content-start gap-2">
            <h4 className="text-sm font-medium">Deliveries</h4>
            <DeliveryBarChart
              points={health.buckets}
              label={`Deliveries over the last ${WINDOW_LABELS[health.window]}: ${health.delivered} delivered, ${health.failed} failed`}
              unit={`deliveries per ${perBucket}`}
              xLabels={xLabels}
            />
          </div>
          <div className="grid content-start gap-2">
            <h4 className="text-sm font-medium">Success rate</h4>
            <LineChart
              series={[{ name: "success rate", values: successRates(health.buckets), strokeClassName: "stroke-primary", swatchClassName: "bg-primary" }]}
              max={1}
              yTop="100%"
              unit={`% of attempts delivered, per ${perBucket}`}
              label={`Success rate over the last ${WINDOW_LABELS[health.window]}: ${rate}`}
              xLabels={xLabels}
            />
          </div>
          <div className="grid content-start gap-2">
            <h4 className="text-sm font-medium">Delivery latency</h4>
            <LineChart
              series={[
                { name: "p50", values: health.buckets.map((b) => b.latencyMs.p50), strokeClassName: "stroke-primary", swatchClassName: "bg-primary" },
                { name: "p95", values: health.buckets.map((b) => b.latencyMs.p95), strokeClassName: "stroke-warning", swatchClassName: "bg-warning" },
              ]}
              max={latencyTop}
              yTop={slowest > 0 ? formatLatency(latencyTop) : "—"}
              unit="trace received → delivered, by when delivered"
              note={slowest > 0 ? undefined : "nothing delivered"}
              label={`Delivery latency over the last ${WINDOW_LABELS[health.window]}, by when delivered: p50 ${formatLatency(health.latencyMs.p50)}, p95 ${formatLatency(health.latencyMs.p95)}`}
              xLabels={xLabels}
            />
          </div>
          <div className="grid content-start gap-2">
            <h4 className="text-sm font-medium">Backlog</h4>
            <LineChart
              series={[{ name: "Waiting", values: health.buckets.map((b) => b.backlog), strokeClassName: "stroke-primary", swatchClassName: "bg-primary" }]}
              max={backlogTop}
              yTop={String(backlogTop)}
              unit={`deliveries waiting, as last counted in each ${perBucket} (once a minute)`}
              note={mostWaiting > 0 ? undefined : "nothing waiting"}
              label={`Backlog over the last ${WINDOW_LABELS[health.window]}, as last counted in each ${perBucket}: ${formatCount(health.backlog, health.backlogCapped)} now`}
              xLabels={xLabels}
            />
          </div>
        </div>
      )}
    </div>
  );
}

export function HealthSkeleton() {
  return (
    <div role="status" aria-label="Loading health" className="grid gap-4">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-[5.25rem]" />
        ))}
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-44" />
        ))}
      </div>
    </div>
  );
}

/** Delivery health of one destination over 24 h or 7 d. */
export function HealthPanel({ destinationId }: { destinationId: string }) {
  const { workspaceId } = useBroadcastAccess();
  const [window, setWindow] = React.useState<HealthWindow>("24h");
  const health = useQuery({
    queryKey: observabilityKeys.health(workspaceId, destinationId, window),
    queryFn: () => observabilityApi.health(workspaceId, destinationId, window),
    refetchInterval: 30_000,
    placeholderData: (previous) => previous, // keep the figures while the other window loads
  });
  return (
    <section aria-labelledby="health-title" className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h3 id="health-title" className="text-base font-semibold">
          Health
        </h3>
        <Tabs value={window} onValueChange={(v) => setWindow(v as HealthWindow)}>
          <TabsList aria-label="Time window">
            {HEALTH_WINDOWS.map((w) => (
              <TabsTrigger key={w} value={w}>
                {WINDOW_LABELS[w]}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
      </div>
      {health.isPending ? (
        <HealthSkeleton />
      ) : health.isError ? (
        <ErrorState title="Could not load health" message={errorMessage(health.error)} onRetry={() => health.refetch()} retrying={health.isFetching} />
      ) : (
        <HealthFigures health={health.data} />
      )}
    </section>
  );
}

"use client";

import * as React from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Loader2Icon, RotateCwIcon } from "lucide-react";
import { DataTable } from "@/components/shell/data-table";
import { TableSkeleton } from "@/components/shell/skeletons";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { DELIVERY_STATUSES, observabilityApi, observabilityKeys, type DeliveryStatus } from "./api";
import { DeliveryStatusBadge, deliveryStatusLabel, useBroadcastAccess } from "./status";

export function formatLatency(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The per-delivery ledger of one destination: newest first, filterable by status, paged by cursor. */
function DeliveryTime({ at, className }: { at: string; className?: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)} className={className}>
      {formatRelative(at)}
    </time>
  );
}

export function DeliveryLog({ destinationId }: { destinationId: string }) {
  const { workspaceId } = useBroadcastAccess();
  const [status, setStatus] = React.useState<DeliveryStatus | "all">("all");
  const log = useInfiniteQuery({
    queryKey: observabilityKeys.deliveries(workspaceId, destinationId, status),
    queryFn: ({ pageParam }) => observabilityApi.deliveries(workspaceId, destinationId, status, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Pending rows settle within seconds: keep the first page fresh while any is in flight.
    refetchInterval: (q) =>
      q.state.data?.pages[0]?.deliveries.some((d) => d.status === "pending" || d.status === "in_flight") ? 2000 : false,
  });
  const rows = log.data?.pages.flatMap((p) => p.deliveries) ?? [];
  const filterId = React.useId();

  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2">
          <Label htmlFor={filterId}>Status</Label>
          <Select value={status} onValueChange={(v) => setStatus(v as DeliveryStatus | "all")}>
            <SelectTrigger id={filterId} className="w-40">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="all">All statuses</SelectItem>
              {DELIVERY_STATUSES.map((s) => (
                <SelectItem key={s} value={s}>
                  {deliveryStatusLabel(s)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <Button variant="ghost" size="sm" onClick={() => log.refetch()} disabled={log.isFetching}>
          <RotateCwIcon className={log.isRefetching ? "animate-spin" : undefined} aria-hidden /> Refresh
        </Button>
      </div>
      {log.isPending ? (
        <TableSkeleton rows={6} label="Loading deliveries" />
      ) : log.isError ? (
        <ErrorState title="Could not load the delivery log" message={errorMessage(log.error)} onRetry={() => log.refetch()} retrying={log.isFetching} />
      ) : rows.length === 0 ? (
        <EmptyState
          title={status === "all" ? "No deliveries yet" : `No ${deliveryStatusLabel(status).toLowerCase()} deliveries`}
          description={
            status === "all"
              ? "Each trace routed to this destination shows up here with its attempts and the platform's answer. Send a test trace to see one."
              : "Pick another status to see the rest of the log."
          }
        />
      ) : (
        <>
          <DataTable aria-label="Delivery log">
            <TableHeader>
              <TableRow>
                {/* On a phone the time goes under the trace id, so status and error stay on screen. */}
                <TableHead className="hidden sm:table-cell">Time</TableHead>
                <TableHead>Trace</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="hidden sm:table-cell">Attempts</TableHead>
                <TableHead className="hidden sm:table-cell">HTTP</TableHead>
                <TableHead className="hidden md:table-cell">Latency</TableHead>
                <TableHead>Error</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((d) => (
                <TableRow key={d.id} data-status={d.status}>
                  <TableCell className="hidden sm:table-cell">
                    <DeliveryTime at={d.createdAt} />
                  </TableCell>
                  <TableCell className="max-w-28 sm:max-w-40">
                    <span className="flex items-center gap-1.5">
                      <code className="truncate font-mono text-xs" title={d.traceExternalId ?? d.traceId}>
                        {d.traceExternalId ?? d.traceId}
                      </code>
                      {d.isTest && <Badge variant="outline">test</Badge>}
                    </span>
                    <DeliveryTime at={d.createdAt} className="text-muted-foreground text-xs sm:hidden" />
                  </TableCell>
                  <TableCell>
                    <DeliveryStatusBadge status={d.status} attempts={d.attempts} />
                  </TableCell>
                  <TableCell className="hidden tabular-nums sm:table-cell">{d.attempts}</TableCell>
                  <TableCell className="hidden tabular-nums sm:table-cell">{d.lastStatus ?? "—"}</TableCell>
                  <TableCell className="hidden tabular-nums md:table-cell">{formatLatency(d.latencyMs)}</TableCell>
                  <TableCell className="max-w-32 whitespace-normal sm:max-w-48 sm:whitespace-nowrap md:max-w-80">
                    {d.lastError ? (
                      <span className="text-destructive line-clamp-2 text-xs break-words sm:block sm:truncate" title={d.lastError}>
                        {d.lastError}
                      </span>
                    ) : (
                      <span className="text-muted-foreground">—</span>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </DataTable>
          {log.hasNextPage && (
            <Button variant="outline" className="justify-self-center" onClick={() => log.fetchNextPage()} disabled={log.isFetchingNextPage}>
              {log.isFetchingNextPage && <Loader2Icon className="animate-spin" aria-hidden />}
              Load more
            </Button>
          )}
        </>
      )}
    </div>
  );
}

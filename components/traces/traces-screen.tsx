"use client";

import * as React from "react";
import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import { ActivityIcon, Loader2Icon } from "lucide-react";
import { DataTable } from "@/components/shell/data-table";
import { FilterField, FilterSelect } from "@/components/shell/filter-controls";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { cn } from "@/lib/client/utils";
import { workspacePath } from "@/lib/workspace-paths";
import { NO_TRACE_FILTERS, OUTCOME_FILTERS, tracesApi, tracesQueryKey, type OutcomeFilter, type TraceDestination, type TraceFilters, type TraceRow } from "./api";
import { outcomeText, type OutcomeTone } from "./outcome-text";

/** Typing in the search box waits this long before asking the server. */
const SEARCH_DEBOUNCE_MS = 300;

const OUTCOME_LABELS: Record<OutcomeFilter, string> = {
  delivered: "Delivered",
  sending: "Sending",
  retrying: "Retrying",
  failed: "Failed",
  waiting: "Waiting (held)",
  not_sent: "Not sent",
};

const TONE_BADGES: Record<OutcomeTone, { variant: "success" | "outline" | "destructive" | "muted"; className?: string }> = {
  success: { variant: "success" },
  progress: { variant: "outline", className: "border-sky-500/50 text-sky-700 dark:text-sky-400" },
  warning: { variant: "outline", className: "border-amber-500/50 text-amber-700 dark:text-amber-400" },
  destructive: { variant: "destructive" },
  muted: { variant: "muted" },
};

/** Each destination's outcome for the trace: its name, a badge, and why (for traces not sent) or the last error. */
function Outcomes({ trace, destinations, broadcastEnabled }: { trace: TraceRow; destinations: TraceDestination[]; broadcastEnabled: boolean }) {
  const shown = destinations.filter((d) => trace.outcomes[d.id]);
  return (
    <ul className="grid gap-1 text-xs" aria-label="Outcome per destination">
      {shown.map((destination) => {
        const text = outcomeText(trace.outcomes[destination.id], destination, trace, broadcastEnabled);
        const badge = TONE_BADGES[text.tone];
        return (
          <li key={destination.id} className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5" data-destination={destination.name}>
            <span className="min-w-0 font-medium wrap-anywhere">{destination.name}</span>
            <Badge variant={badge.variant} className={badge.className}>
              {text.badge}
            </Badge>
            {text.detail && <span className="text-muted-foreground min-w-0 wrap-anywhere">{text.detail}</span>}
          </li>
        );
      })}
    </ul>
  );
}

function TraceSummary({ trace }: { trace: TraceRow }) {
  return (
    <div className="grid min-w-0 gap-0.5">
      <span className="flex flex-wrap items-center gap-2">
        <span className="font-medium wrap-anywhere">{trace.name ?? trace.model ?? "Trace"}</span>
        {trace.isTest && <Badge variant="outline">Test</Badge>}
      </span>
      <code className="text-muted-foreground font-mono text-xs wrap-anywhere">{trace.traceId ?? trace.id}</code>
      <span className="text-muted-foreground text-xs wrap-anywhere">
        {[trace.name ? trace.model : null, trace.apiKeyName ? `key ${trace.apiKeyName}` : "no API key", trace.sessionId ? `session ${trace.sessionId}` : null].filter(Boolean).join(" · ")}
      </span>
    </div>
  );
}

export function TracesScreen() {
  const { workspace } = useCurrentWorkspace();
  const [filters, setFilters] = React.useState<TraceFilters>(NO_TRACE_FILTERS);
  const [searchText, setSearchText] = React.useState("");
  const filtered = Object.values(filters).some(Boolean);
  React.useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => ({ ...f, q: searchText.trim() || null })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [searchText]);
  const clearFilters = () => {
    setSearchText("");
    setFilters(NO_TRACE_FILTERS);
  };
  const traces = useInfiniteQuery({
    queryKey: tracesQueryKey(workspace.id, filters),
    queryFn: ({ pageParam }) => tracesApi.page(workspace.id, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => ({ ...data.pages.at(-1)!, traces: data.pages.flatMap((p) => p.traces) }),
    // Sending, retrying and waiting change by themselves.
    refetchInterval: 15_000,
  });
  const destinations = traces.data?.destinations ?? [];

  return (
    <div className="grid gap-8">
      <PageHeader
        title="Traces"
        description="Recent traces and what became of each at every destination: delivered, still being sent or retried, failed, or not sent and why (as routing decided when the trace arrived)."
      />
      <div className="grid gap-3 sm:grid-cols-3" role="group" aria-label="Filter the traces">
        <FilterField id="traces-search" label="Search">
          <Input id="traces-search" type="search" placeholder="Trace id, session or trace name" value={searchText} onChange={(e) => setSearchText(e.target.value)} />
        </FilterField>
        <FilterField id="traces-destination-filter" label="Destination">
          <FilterSelect
            id="traces-destination-filter"
            value={filters.destination}
            allLabel="All destinations"
            options={Object.fromEntries(destinations.map((d) => [d.id, d.name]))}
            onChange={(v) => setFilters((f) => ({ ...f, destination: v }))}
          />
        </FilterField>
        <FilterField id="traces-outcome-filter" label="Outcome">
          <FilterSelect
            id="traces-outcome-filter"
            value={filters.outcome}
            allLabel="Any outcome"
            options={OUTCOME_LABELS}
            onChange={(v) => setFilters((f) => ({ ...f, outcome: v as OutcomeFilter | null }))}
          />
        </FilterField>
      </div>
      <QueryView
        query={traces}
        what="traces"
        isEmpty={(page) => page.traces.length === 0 && !page.nextCursor}
        empty={
          filtered ? (
            <EmptyState
              icon={<ActivityIcon />}
              title="No matching traces"
              description="No recent trace matches these filters."
              action={
                <Button variant="outline" onClick={clearFilters}>
                  Clear filters
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={<ActivityIcon />}
              title="No traces yet"
              description="Traces your apps send appear here with what became of them at each destination. Create an API key and send a first trace; add a destination to forward them."
              action={
                <div className="flex flex-wrap justify-center gap-2">
                  <Button asChild>
                    <Link href={workspacePath(workspace.id, "apiKeys")}>Send a first trace</Link>
                  </Button>
                  <Button variant="outline" asChild>
                    <Link href={workspacePath(workspace.id, "observability")}>Set up a destination</Link>
                  </Button>
                </div>
              }
            />
          )
        }
      >
        {(page) => (
          <div className="grid gap-4">
            {page.traces.length > 0 && (
              <DataTable aria-label="Traces" className="table-fixed [&_td]:align-top [&_td]:whitespace-normal">
                <TableHeader>
                  <TableRow>
                    <TableHead className="md:w-72">Trace</TableHead>
                    <TableHead className="hidden w-28 sm:table-cell">Received</TableHead>
                    <TableHead className="hidden md:table-cell">Destinations</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {page.traces.map((trace) => (
                    <TableRow key={trace.id} data-trace={trace.traceId ?? trace.id}>
                      <TableCell className="py-3">
                        <TraceSummary trace={trace} />
                        {/* Phones have no room for the other columns: they go under the trace. */}
                        <time className="text-muted-foreground block text-xs sm:hidden" dateTime={trace.receivedAt} title={formatDateTime(trace.receivedAt)}>
                          {formatRelative(trace.receivedAt)}
                        </time>
                        <div className="mt-2 md:hidden">
                          <Outcomes trace={trace} destinations={destinations} broadcastEnabled={page.broadcastEnabled} />
                        </div>
                      </TableCell>
                      <TableCell className="hidden py-3 sm:table-cell">
                        <time dateTime={trace.receivedAt} title={formatDateTime(trace.receivedAt)}>
                          {formatRelative(trace.receivedAt)}
                        </time>
                      </TableCell>
                      <TableCell className="hidden py-3 md:table-cell">
                        <Outcomes trace={trace} destinations={destinations} broadcastEnabled={page.broadcastEnabled} />
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </DataTable>
            )}
            {page.searchedUntil && (
              <p className={cn("text-muted-foreground text-sm", page.traces.length === 0 && "rounded-lg border border-dashed px-4 py-6 text-center")}>
                {page.traces.length === 0 ? "No match yet: " : "No more matches "}among the traces received since {formatDateTime(page.searchedUntil)}.
              </p>
            )}
            {traces.isFetchNextPageError && <FormError message={errorMessage(traces.error)} />}
            {traces.hasNextPage && (
              <Button variant="outline" className="justify-self-center" onClick={() => traces.fetchNextPage()} disabled={traces.isFetchingNextPage}>
                {traces.isFetchingNextPage && <Loader2Icon className="animate-spin" aria-hidden />}
                {page.searchedUntil ? "Search older traces" : "Load older traces"}
              </Button>
            )}
          </div>
        )}
      </QueryView>
    </div>
  );
}

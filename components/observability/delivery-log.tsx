"use client";

import * as React from "react";
import { usePathname, useSearchParams } from "next/navigation";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Loader2Icon, RotateCwIcon, SearchIcon, XIcon } from "lucide-react";
import { INGEST_KEYS } from "@/components/api-keys/api";
import { DataTable } from "@/components/shell/data-table";
import { lazyComponent } from "@/components/shell/lazy";
import { TableSkeleton } from "@/components/shell/skeletons";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { DELIVERY_STATUSES, observabilityApi, observabilityKeys, type DeliveryFilters, type DeliveryStatus } from "./api";
import { toLocalInputValue } from "./requeue-actions";
import { DeliveryStatusBadge, deliveryStatusLabel, formatLatency, useBroadcastAccess } from "./status";

export { formatLatency };

/** The drawer's code is fetched when a delivery is first opened (few visits open one). */
const DeliveryDrawer = lazyComponent(() => import("./delivery-detail-drawer").then((m) => m.DeliveryDrawer));

/** The search param that names the delivery open in the drawer (reload, back and links open it again). */
export const DELIVERY_PARAM = "delivery";

const SEARCH_FIELDS = [
  { value: "traceId", label: "Trace id" },
  { value: "generationId", label: "Generation id" },
  { value: "traceName", label: "Trace name" },
  { value: "sessionId", label: "Session" },
] as const satisfies readonly { value: keyof DeliveryFilters; label: string }[];
type SearchField = (typeof SEARCH_FIELDS)[number]["value"];

/** The filter form's fields, as typed (applied on submit). */
type FilterForm = { field: SearchField; term: string; apiKeyId: string; model: string; from: string; to: string };
const EMPTY_FORM: FilterForm = { field: "traceId", term: "", apiKeyId: "all", model: "", from: "", to: "" };

function filtersOf(form: FilterForm, status: DeliveryStatus | "all"): DeliveryFilters {
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return {
    ...(status !== "all" ? { status } : {}),
    ...(form.term.trim() ? { [form.field]: form.term.trim() } : {}),
    ...(form.apiKeyId !== "all" ? { apiKeyId: form.apiKeyId } : {}),
    ...(form.model.trim() ? { model: form.model.trim() } : {}),
    ...(form.from ? { from: iso(form.from) } : {}),
    ...(form.to ? { to: iso(form.to) } : {}),
  };
}

function DeliveryTime({ at, className }: { at: string; className?: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)} className={className}>
      {formatRelative(at)}
    </time>
  );
}

/**
 * The open delivery in the URL: opening pushes a history entry (back closes the drawer), closing
 * goes back to it, or drops the param when the page was loaded with it.
 */
function useOpenDelivery() {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const openId = searchParams.get(DELIVERY_PARAM);
  const pushed = React.useRef(false);
  const hrefFor = React.useCallback(
    (id: string | null) => {
      const params = new URLSearchParams(searchParams.toString());
      params.set("tab", "deliveries");
      if (id) params.set(DELIVERY_PARAM, id);
      else params.delete(DELIVERY_PARAM);
      return `${pathname}?${params}`;
    },
    [pathname, searchParams],
  );
  const open = React.useCallback(
    (id: string) => {
      window.history.pushState(null, "", hrefFor(id));
      pushed.current = true;
    },
    [hrefFor],
  );
  const close = React.useCallback(() => {
    if (pushed.current) {
      pushed.current = false;
      window.history.back();
    } else window.history.replaceState(null, "", hrefFor(null));
  }, [hrefFor]);
  return { openId, hrefFor, open, close };
}

function DeliveryFilterForm({ form, onApply, onClear, filtering }: { form: FilterForm; onApply: (form: FilterForm) => void; onClear: () => void; filtering: boolean }) {
  const { workspaceId } = useBroadcastAccess();
  const [draft, setDraft] = React.useState(form);
  React.useEffect(() => setDraft(form), [form]);
  const keys = useQuery({ queryKey: INGEST_KEYS.queryKey(workspaceId), queryFn: () => INGEST_KEYS.list(workspaceId) });
  const ids = { field: React.useId(), term: React.useId(), key: React.useId(), model: React.useId(), from: React.useId(), to: React.useId() };
  const set = <K extends keyof FilterForm>(key: K, value: FilterForm[K]) => setDraft((d) => ({ ...d, [key]: value }));
  return (
    <form
      role="search"
      aria-label="Search deliveries"
      className="grid gap-3 rounded-md border p-3 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <div className="grid gap-1.5 sm:col-span-2">
        <Label htmlFor={ids.term}>Search</Label>
        <div className="flex gap-2">
          <Select value={draft.field} onValueChange={(v) => set("field", v as SearchField)}>
            <SelectTrigger id={ids.field} aria-label="Search in" className="w-36 shrink-0">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {SEARCH_FIELDS.map((f) => (
                <SelectItem key={f.value} value={f.value}>
                  {f.label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          <Input id={ids.term} value={draft.term} onChange={(e) => set("term", e.target.value)} placeholder="Exact value" maxLength={256} />
        </div>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.key}>API key</Label>
        <Select value={draft.apiKeyId} onValueChange={(v) => set("apiKeyId", v)}>
          <SelectTrigger id={ids.key} className="w-full">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="all">All API keys</SelectItem>
            {(keys.data ?? []).map((k) => (
              <SelectItem key={k.id} value={k.id}>
                {k.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.model}>Model</Label>
        <Input id={ids.model} value={draft.model} onChange={(e) => set("model", e.target.value)} placeholder="e.g. openai/gpt-4o" maxLength={256} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.from}>From</Label>
        <Input id={ids.from} type="datetime-local" value={draft.from} max={toLocalInputValue(new Date())} onChange={(e) => set("from", e.target.value)} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.to}>To</Label>
        <Input id={ids.to} type="datetime-local" value={draft.to} onChange={(e) => set("to", e.target.value)} />
      </div>
      <div className="flex items-end gap-2 sm:col-span-2">
        <Button type="submit">
          <SearchIcon aria-hidden /> Search
        </Button>
        {filtering && (
          <Button type="button" variant="ghost" onClick={onClear}>
            <XIcon aria-hidden /> Clear
          </Button>
        )}
      </div>
    </form>
  );
}

/** The per-delivery ledger of one destination: newest first, searchable and filterable, paged by cursor; each row opens its detail. */
export function DeliveryLog({ destinationId }: { destinationId: string }) {
  const { workspaceId } = useBroadcastAccess();
  const [status, setStatus] = React.useState<DeliveryStatus | "all">("all");
  const [form, setForm] = React.useState<FilterForm>(EMPTY_FORM);
  const filters = React.useMemo(() => filtersOf(form, status), [form, status]);
  const searching = Object.keys(filtersOf(form, "all")).length > 0;
  const { openId, hrefFor, open, close } = useOpenDelivery();
  const log = useInfiniteQuery({
    queryKey: observabilityKeys.deliveries(workspaceId, destinationId, filters),
    queryFn: ({ pageParam }) => observabilityApi.deliveries(workspaceId, destinationId, filters, pageParam),
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
      <DeliveryFilterForm form={form} onApply={setForm} onClear={() => setForm(EMPTY_FORM)} filtering={searching} />
      {log.isPending ? (
        <TableSkeleton rows={6} label="Loading deliveries" />
      ) : log.isError ? (
        <ErrorState title="Could not load the delivery log" message={errorMessage(log.error)} onRetry={() => log.refetch()} retrying={log.isFetching} />
      ) : rows.length === 0 ? (
        <EmptyState
          title={searching ? "No deliveries match this search" : status === "all" ? "No deliveries yet" : `No ${deliveryStatusLabel(status).toLowerCase()} deliveries`}
          description={
            searching
              ? "Searches match a whole value exactly (a trace id, a session…). Clear the search to see the whole log."
              : status === "all"
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
                // The trace id is the row's link (keyboard and screen readers); a click anywhere on the row opens it too.
                <TableRow key={d.id} data-status={d.status} data-state={d.id === openId ? "selected" : undefined} className="cursor-pointer" onClick={() => open(d.id)}>
                  <TableCell className="hidden sm:table-cell">
                    <DeliveryTime at={d.createdAt} />
                  </TableCell>
                  <TableCell className="max-w-28 sm:max-w-40">
                    <span className="flex items-center gap-1.5">
                      <a
                        href={hrefFor(d.id)}
                        onClick={(e) => {
                          e.preventDefault();
                          e.stopPropagation();
                          open(d.id);
                        }}
                        className="truncate font-mono text-xs underline-offset-2 hover:underline focus-visible:underline"
                        title={`Open the delivery of ${d.traceExternalId ?? d.traceId}`}
                      >
                        {d.traceExternalId ?? d.traceId}
                      </a>
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
      {openId && <DeliveryDrawer destinationId={destinationId} deliveryId={openId} onClose={close} />}
    </div>
  );
}

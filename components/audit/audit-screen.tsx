"use client";

import * as React from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { DownloadIcon, Loader2Icon, ScrollTextIcon } from "lucide-react";
import { AUDIT_ACTION_LABELS, AUDIT_TARGET_TYPES, auditActionLabel, auditTargetSummary } from "@/components/audit/actions";
import { auditApi, auditQueryKey, NO_AUDIT_FILTERS, type AuditFilters } from "@/components/audit/api";
import { DataTable } from "@/components/shell/data-table";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/api/client";
import { formatDateTime, formatRelative } from "@/lib/format";

const ALL = "all";
/** Typing in the actor filter waits this long before asking the server. */
const ACTOR_DEBOUNCE_MS = 300;

/** A filter with an "all" choice (null) and one choice per entry of `options` (value → label). */
function FilterSelect({
  id,
  value,
  allLabel,
  options,
  onChange,
}: {
  id: string;
  value: string | null;
  allLabel: string;
  options: Record<string, string>;
  onChange: (value: string | null) => void;
}) {
  return (
    <Select value={value ?? ALL} onValueChange={(v) => onChange(v === ALL ? null : v)}>
      <SelectTrigger id={id} className="w-full">
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        <SelectItem value={ALL}>{allLabel}</SelectItem>
        {Object.entries(options).map(([optionValue, label]) => (
          <SelectItem key={optionValue} value={optionValue}>
            {label}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

export function AuditScreen() {
  const { workspace } = useCurrentWorkspace();
  const [filters, setFilters] = React.useState<AuditFilters>(NO_AUDIT_FILTERS);
  const [actorText, setActorText] = React.useState("");
  const { action } = filters;
  const filtered = Object.values(filters).some(Boolean);
  const setFilter = (patch: Partial<AuditFilters>) => setFilters((f) => ({ ...f, ...patch }));
  React.useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => ({ ...f, actor: actorText.trim() || null })), ACTOR_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [actorText]);
  const clearFilters = () => {
    setActorText("");
    setFilters(NO_AUDIT_FILTERS);
  };
  const events = useInfiniteQuery({
    queryKey: auditQueryKey(workspace.id, filters),
    queryFn: ({ pageParam }) => auditApi.page(workspace.id, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => data.pages.flatMap((p) => p.events),
  });

  return (
    <div className="grid gap-8">
      <PageHeader
        title="Audit log"
        description="Every change to this workspace: who did what, and when. Secrets are never recorded."
        actions={
          <Button variant="outline" asChild>
            <a href={auditApi.exportUrl(workspace.id, filters)} download>
              <DownloadIcon aria-hidden />
              Export JSON
            </a>
          </Button>
        }
      />
      <div className="grid gap-3 sm:grid-cols-3" role="group" aria-label="Filter the audit log">
        <div className="grid gap-1.5">
          <Label htmlFor="audit-action-filter" className="text-muted-foreground font-normal">
            Action
          </Label>
          <FilterSelect id="audit-action-filter" value={action} allLabel="All actions" options={AUDIT_ACTION_LABELS} onChange={(v) => setFilter({ action: v })} />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="audit-actor-filter" className="text-muted-foreground font-normal">
            Actor
          </Label>
          <Input
            id="audit-actor-filter"
            type="search"
            placeholder="Email, or “system”"
            value={actorText}
            onChange={(e) => setActorText(e.target.value)}
          />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="audit-target-filter" className="text-muted-foreground font-normal">
            Target
          </Label>
          <FilterSelect
            id="audit-target-filter"
            value={filters.targetType}
            allLabel="All targets"
            options={AUDIT_TARGET_TYPES}
            onChange={(v) => setFilter({ targetType: v, targetId: null })}
          />
        </div>
      </div>
      {filters.targetId && (
        <div className="flex items-center gap-2 text-sm">
          <span className="text-muted-foreground">Only events about</span>
          <code className="bg-muted rounded px-1.5 py-0.5 font-mono text-xs">{filters.targetId}</code>
          <Button variant="ghost" size="sm" onClick={() => setFilter({ targetId: null })}>
            Show all targets
          </Button>
        </div>
      )}
      <QueryView
        query={events}
        what="the audit log"
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState
            icon={<ScrollTextIcon />}
            title={filtered ? "No matching events" : "No events yet"}
            description={
              filtered
                ? action
                  ? `Nothing with the action "${auditActionLabel(action)}" matches these filters.`
                  : "No event matches these filters."
                : "Changes to members, API keys and destinations will be listed here."
            }
            action={
              filtered && (
                <Button variant="outline" onClick={clearFilters}>
                  Clear filters
                </Button>
              )
            }
          />
        }
      >
        {(rows) => (
          <div className="grid gap-4">
            <DataTable aria-label="Audit events">
              <TableHeader>
                <TableRow>
                  <TableHead>Time</TableHead>
                  <TableHead>Action</TableHead>
                  <TableHead className="hidden md:table-cell">Actor</TableHead>
                  <TableHead className="hidden sm:table-cell">Target</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((event) => (
                  <TableRow key={event.id}>
                    <TableCell>
                      <time dateTime={event.createdAt} title={formatDateTime(event.createdAt)}>
                        {formatRelative(event.createdAt)}
                      </time>
                    </TableCell>
                    <TableCell>
                      <span className="font-medium">{auditActionLabel(event.action)}</span>
                      <code className="text-muted-foreground block font-mono text-xs">{event.action}</code>
                      {/* Phones have no room for the Actor and Target columns: they go under the action. */}
                      <span className="text-muted-foreground block text-xs whitespace-normal wrap-anywhere md:hidden">
                        by {event.actorLabel}
                        <span className="sm:hidden"> · {auditTargetSummary(event)}</span>
                      </span>
                    </TableCell>
                    <TableCell className="hidden max-w-56 truncate md:table-cell">{event.actorLabel}</TableCell>
                    <TableCell className="hidden max-w-64 sm:table-cell">
                      <Badge variant="outline" className="mr-2">
                        {event.targetType}
                      </Badge>
                      {event.targetId ? (
                        <button
                          type="button"
                          className="truncate underline-offset-4 hover:underline"
                          title="Show only events about this target"
                          onClick={() => setFilter({ targetType: event.targetType, targetId: event.targetId })}
                        >
                          {auditTargetSummary(event)}
                        </button>
                      ) : (
                        <span className="truncate">{auditTargetSummary(event)}</span>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </DataTable>
            {events.isFetchNextPageError && <FormError message={errorMessage(events.error)} />}
            {events.hasNextPage && (
              <Button
                variant="outline"
                className="justify-self-center"
                onClick={() => events.fetchNextPage()}
                disabled={events.isFetchingNextPage}
              >
                {events.isFetchingNextPage && <Loader2Icon className="animate-spin" aria-hidden />}
                Load older events
              </Button>
            )}
          </div>
        )}
      </QueryView>
    </div>
  );
}

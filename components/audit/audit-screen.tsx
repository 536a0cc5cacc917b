"use client";

import * as React from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { DownloadIcon, KeyRoundIcon, Loader2Icon, ScrollTextIcon } from "lucide-react";
import { AUDIT_ACTION_LABELS, AUDIT_TARGET_TYPES, auditActionLabel, auditEventTitle, auditTargetSummary } from "@/components/audit/actions";
import { auditApi, auditQueryKey, NO_AUDIT_FILTERS, type AuditEventRow, type AuditFilters } from "@/components/audit/api";
import { DataTable } from "@/components/shell/data-table";
import { FilterSelect } from "@/components/shell/filter-controls";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";

/** Typing in the actor filter waits this long before asking the server. */
const ACTOR_DEBOUNCE_MS = 300;

/** Changes spelled out before the rest fold under "N more". */
const CHANGES_SHOWN = 3;

function ChangeLine({ change }: { change: AuditEventRow["changes"][number] }) {
  return (
    <li className="wrap-anywhere">
      <span className="inline-flex items-center gap-1 font-medium">
        {change.secret && <KeyRoundIcon className="text-muted-foreground size-3" aria-label="Secret" />}
        {change.label}:
      </span>{" "}
      {change.before === null ? <span className="text-muted-foreground">—</span> : <del className="text-muted-foreground decoration-muted-foreground/50">{change.before}</del>}
      {" → "}
      {change.after === null ? <span className="text-muted-foreground">—</span> : <ins className="no-underline">{change.after}</ins>}
    </li>
  );
}

/** Field by field, before → after; secrets only say set / changed / removed. */
function AuditChanges({ changes }: { changes: AuditEventRow["changes"] }) {
  if (changes.length === 0) return <span className="text-muted-foreground text-xs">No field changes recorded</span>;
  const rest = changes.slice(CHANGES_SHOWN);
  return (
    <ul className="grid gap-0.5 text-xs" aria-label="Changes">
      {changes.slice(0, CHANGES_SHOWN).map((change) => (
        <ChangeLine key={change.key} change={change} />
      ))}
      {rest.length > 0 && (
        <li>
          <details>
            <summary className="text-muted-foreground cursor-pointer">{rest.length} more</summary>
            <ul className="mt-0.5 grid gap-0.5">
              {rest.map((change) => (
                <ChangeLine key={change.key} change={change} />
              ))}
            </ul>
          </details>
        </li>
      )}
    </ul>
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
        description="Every change to this workspace: who did what, when, and each field before and after. Secrets are never recorded: the log says only that one was set, changed or removed."
        actions={
          <>
            {(["csv", "json"] as const).map((format) => (
              <Button key={format} variant="outline" asChild>
                <a href={auditApi.exportUrl(workspace.id, filters, format)} download title={filtered ? "Only the events matching the filters" : "Every event"}>
                  <DownloadIcon aria-hidden />
                  Export {format.toUpperCase()}
                </a>
              </Button>
            ))}
          </>
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
            <DataTable aria-label="Audit events" className="table-fixed [&_td]:align-top [&_td]:whitespace-normal">
              <TableHeader>
                <TableRow>
                  <TableHead className="w-28">Time</TableHead>
                  <TableHead className="w-56">Action</TableHead>
                  <TableHead className="hidden w-52 sm:table-cell">Target</TableHead>
                  <TableHead className="hidden md:table-cell">Changes</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((event) => (
                  <TableRow key={event.id}>
                    <TableCell className="py-3">
                      <time dateTime={event.createdAt} title={formatDateTime(event.createdAt)}>
                        {formatRelative(event.createdAt)}
                      </time>
                    </TableCell>
                    <TableCell className="py-3">
                      <span className="font-medium">{auditEventTitle(event)}</span>
                      <code className="text-muted-foreground block font-mono text-xs">{event.action}</code>
                      <span className="text-muted-foreground block text-xs wrap-anywhere">
                        by {event.actorLabel}
                        {/* Phones have no room for the Target column: it goes under the action. */}
                        <span className="sm:hidden"> · {auditTargetSummary(event)}</span>
                      </span>
                      {/* Nor, up to tablets, for the Changes column. */}
                      <div className="mt-1 md:hidden">
                        <AuditChanges changes={event.changes} />
                      </div>
                    </TableCell>
                    <TableCell className="hidden py-3 sm:table-cell">
                      {event.targetId ? (
                        <button
                          type="button"
                          className="text-left wrap-anywhere underline-offset-4 hover:underline"
                          title="Show only events about this target"
                          onClick={() => setFilter({ targetType: event.targetType, targetId: event.targetId })}
                        >
                          {auditTargetSummary(event)}
                        </button>
                      ) : (
                        <span className="wrap-anywhere">{auditTargetSummary(event)}</span>
                      )}
                      <span className="text-muted-foreground block text-xs">{AUDIT_TARGET_TYPES[event.targetType] ?? event.targetType}</span>
                    </TableCell>
                    <TableCell className="hidden py-3 md:table-cell">
                      <AuditChanges changes={event.changes} />
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

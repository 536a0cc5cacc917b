"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  EyeOffIcon,
  MoreHorizontalIcon,
  PauseIcon,
  PencilIcon,
  PlayIcon,
  PlugZapIcon,
  SendIcon,
  Trash2Icon,
} from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Skeleton } from "@/components/ui/skeleton";
import { errorMessage, isChangeProposed } from "@/lib/client/api";
import { formatDateTime, formatDuration, formatRelative } from "@/lib/client/format";
import { toast } from "@/lib/client/toast";
import { cn } from "@/lib/client/utils";
import { observabilityApi, observabilityKeys, type Destination, type DestinationType, type ListedDestination } from "./api";
import { useBroadcast } from "./broadcast";
import { Sparkline } from "./charts";
import { destinationStateKind, waitingSummary } from "./destination-state";
import { DeleteDestinationDialog, preloadDestinationDialogs, SavedTestDialog, TestTraceDialog } from "./dialogs";
import { summarizeFilter } from "./filter-builder-state";
import { destinationPath } from "./paths";
import { PlatformIcon } from "./platform-icon";
import { formatRate } from "./sampling-scale";
import { DestinationStatusBadge, pausedToast, resumedToast, useBroadcastAccess } from "./status";

function formatSuccessRate(rate: number | null): string {
  return rate === null ? "—" : `${Number((rate * 100).toFixed(rate < 1 ? 1 : 0))}%`;
}

/** Pause/resume applied to the cached list at once, rolled back if the server refuses. */
function usePauseResume(workspaceId: string, destination: Destination) {
  const queryClient = useQueryClient();
  const key = observabilityKeys.destinations(workspaceId);
  return useMutation({
    mutationFn: (action: "pause" | "resume") =>
      action === "pause" ? observabilityApi.pause(workspaceId, destination.id) : observabilityApi.resume(workspaceId, destination.id),
    onMutate: async (action) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<ListedDestination[]>(key);
      queryClient.setQueryData<ListedDestination[]>(key, (rows) =>
        rows?.map((r) => (r.id === destination.id ? { ...r, status: action === "pause" ? "paused" : "active", statusReason: null } : r)),
      );
      return { previous };
    },
    onError: (error, action, context) => {
      queryClient.setQueryData(key, context?.previous);
      if (!isChangeProposed(error)) toast.error(`Could not ${action} "${destination.name}": ${errorMessage(error)}`);
    },
    onSuccess: (updated, action) => {
      toast.success(action === "pause" ? pausedToast(updated.name) : resumedToast(updated.name));
      queryClient.setQueryData(observabilityKeys.destination(workspaceId, updated.id), updated);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: observabilityKeys.all(workspaceId) }),
  });
}

type RowDialog = "test" | "trace" | "delete" | null;

function DestinationActions({ destination }: { destination: ListedDestination }) {
  const { workspaceId, canChange, canTest, proposes } = useBroadcastAccess();
  const router = useRouter();
  const [dialog, setDialog] = React.useState<RowDialog>(null);
  const pauseResume = usePauseResume(workspaceId, destination);
  const paused = destination.status !== "active";
  const close = (open: boolean) => !open && setDialog(null);

  return (
    <>
      <DropdownMenu modal={false} onOpenChange={(open) => open && preloadDestinationDialogs()}>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${destination.name}`}>
            <MoreHorizontalIcon aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end" className="w-48">
          <DropdownMenuItem onSelect={() => router.push(destinationPath(workspaceId, destination.id, "settings"))}>
            <PencilIcon aria-hidden /> {canChange ? "Edit" : "View settings"}
          </DropdownMenuItem>
          {canTest && (
            <>
              <DropdownMenuItem onSelect={() => setDialog("test")}>
                <PlugZapIcon aria-hidden /> Test connection
              </DropdownMenuItem>
              <DropdownMenuItem onSelect={() => setDialog("trace")}>
                <SendIcon aria-hidden /> Send test trace
              </DropdownMenuItem>
            </>
          )}
          {canChange && (
            <>
              <DropdownMenuItem disabled={pauseResume.isPending} onSelect={() => pauseResume.mutate(paused ? "resume" : "pause")}>
                {paused ? <PlayIcon aria-hidden /> : <PauseIcon aria-hidden />} {proposes ? "Propose " : ""}
                {paused ? (proposes ? "resume" : "Resume") : proposes ? "pause" : "Pause"}
              </DropdownMenuItem>
              <DropdownMenuSeparator />
              <DropdownMenuItem variant="destructive" onSelect={() => setDialog("delete")}>
                <Trash2Icon aria-hidden /> {proposes ? "Propose deletion" : "Delete"}
              </DropdownMenuItem>
            </>
          )}
        </DropdownMenuContent>
      </DropdownMenu>
      <SavedTestDialog destination={destination} open={dialog === "test"} onOpenChange={close} />
      <TestTraceDialog open={dialog === "trace"} onOpenChange={close} destination={destination} />
      <DeleteDestinationDialog destination={destination} open={dialog === "delete"} onOpenChange={close} />
    </>
  );
}

function DestinationRow({
  destination,
  typeName,
  broadcastEnabled,
}: {
  destination: ListedDestination;
  typeName: string;
  broadcastEnabled: boolean | undefined;
}) {
  const { workspaceId } = useBroadcastAccess();
  const { summary } = destination;
  const { lastSuccessAt } = destination.health;
  const kind = destinationStateKind(destination, broadcastEnabled);
  const waiting = waitingSummary(destination.waiting);
  const filter = summarizeFilter(destination.filterRules);
  const keyFilter =
    destination.apiKeyInclude.length > 0
      ? `${destination.apiKeyInclude.length} API key${destination.apiKeyInclude.length === 1 ? "" : "s"}`
      : destination.apiKeyExclude.length > 0
        ? `All keys but ${destination.apiKeyExclude.length}`
        : null;
  return (
    <li className="grid grid-cols-[auto_minmax(0,1fr)_auto] items-start gap-x-3 gap-y-3 p-4 md:grid-cols-[auto_minmax(0,1fr)_13rem_auto] md:items-center">
      <PlatformIcon type={destination.type} className="text-muted-foreground" />
      <div className="grid min-w-0 gap-1.5">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <Link
            href={destinationPath(workspaceId, destination.id)}
            className="focus-visible:ring-ring/50 truncate rounded font-medium outline-none hover:underline focus-visible:ring-[3px]"
          >
            {destination.name}
          </Link>
          <DestinationStatusBadge destination={destination} broadcastEnabled={broadcastEnabled} />
        </div>
        <div className="text-muted-foreground flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
          <span>{typeName}</span>
          <span title="Sampling rate">Sampling {formatRate(destination.samplingRate)}</span>
          {destination.privacyMode && (
            <Badge variant="outline" className="gap-1" title="Prompts and completions are removed before sending">
              <EyeOffIcon aria-hidden /> Privacy mode
            </Badge>
          )}
          <span className="max-w-64 truncate" title={filter}>
            {filter === "All traces" ? "No filter rules" : `Filter: ${filter}`}
          </span>
          {keyFilter && <span>{keyFilter}</span>}
        </div>
        {destination.status === "auto_paused" && destination.statusReason && (
          <p className="text-destructive line-clamp-2 text-xs">{destination.statusReason}</p>
        )}
        {broadcastEnabled === false && <p className="text-muted-foreground text-xs">Not sending: Broadcast is off for this workspace.</p>}
        {(kind === "failing" || kind === "retrying") && (
          <p className={cn("text-xs", kind === "failing" ? "text-destructive" : "text-amber-700 dark:text-amber-400")}>
            {kind === "failing"
              ? `Last attempt failed${destination.health.failingSince ? `; failing for ${formatDuration(Date.now() - new Date(destination.health.failingSince).getTime())}` : ""}.`
              : "Deliveries that failed wait for another attempt."}
            {waiting && ` ${waiting}.`}
          </p>
        )}
      </div>
      <div className="col-start-3 row-start-1 md:col-start-4">
        <DestinationActions destination={destination} />
      </div>
      <div className="col-span-2 col-start-2 flex items-center gap-3 md:col-span-1 md:col-start-3 md:row-start-1">
        <Sparkline
          points={summary.buckets}
          label={`Deliveries per hour over the last 24 hours: ${summary.delivered24h} delivered, ${summary.failed24h} failed (success rate ${formatSuccessRate(summary.successRate24h)})`}
        />
        <div className="grid text-xs">
          <span className="font-medium tabular-nums">
            {formatSuccessRate(summary.successRate24h)} <span className="text-muted-foreground font-normal">24 h</span>
          </span>
          <span className="text-muted-foreground">
            {lastSuccessAt ? (
              <>
                Last success{" "}
                <time dateTime={lastSuccessAt} title={formatDateTime(lastSuccessAt)}>
                  {formatRelative(lastSuccessAt)}
                </time>
              </>
            ) : (
              "No successful delivery yet"
            )}
          </span>
        </div>
      </div>
    </li>
  );
}

export function DestinationList({ destinations, types }: { destinations: ListedDestination[]; types: DestinationType[] | undefined }) {
  const typeNames = Object.fromEntries((types ?? []).map((t) => [t.type, t.name]));
  const broadcastEnabled = useBroadcast().data?.enabled;
  return (
    <ul aria-label="Destinations" className="divide-y rounded-lg border">
      {destinations.map((d) => (
        <DestinationRow key={d.id} destination={d} typeName={typeNames[d.type] ?? d.type} broadcastEnabled={broadcastEnabled} />
      ))}
    </ul>
  );
}

/** As tall as DestinationList's rows, so nothing moves when the list arrives. */
export function DestinationListSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div role="status" aria-label="Loading destinations" className="divide-y rounded-lg border">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="grid grid-cols-[auto_minmax(0,1fr)_auto] items-center gap-3 p-4 md:grid-cols-[auto_minmax(0,1fr)_13rem_auto]">
          <Skeleton className="size-8 rounded-md" />
          <div className="grid gap-2">
            <Skeleton className="h-5 w-40" />
            <Skeleton className="h-4 w-64 max-w-full" />
          </div>
          <Skeleton className="hidden h-8 w-48 md:block" />
          <Skeleton className="size-8" />
        </div>
      ))}
    </div>
  );
}

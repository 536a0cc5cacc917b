"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, PauseIcon, PlayIcon, PlugZapIcon, SendIcon, Trash2Icon } from "lucide-react";
import { PageHeaderSkeleton } from "@/components/shell/skeletons";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { PendingRequestsNotice } from "@/components/governance/pending-requests-notice";
import { ProposeNote } from "@/components/governance/propose-note";
import { errorMessage, isChangeProposed } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspacePath } from "@/lib/workspace-paths";
import { observabilityApi, observabilityKeys, type Destination, type DestinationType } from "./api";
import { useBroadcast } from "./broadcast";
import { useDestinationTypes } from "./destination-types";
import { DeliveryLog } from "./delivery-log";
import { DestinationEditor } from "./destination-editor";
import { DeleteDestinationDialog, preloadDestinationDialogs, SavedTestDialog, TestTraceDialog } from "./dialogs";
import { HealthPanel } from "./health-panel";
import { ReadOnlyNote } from "./observability-screen";
import { destinationPath, type DestinationTab } from "./paths";
import { PlatformIcon } from "./platform-icon";
import { SetupSqlPanel } from "./setup-sql";
import { ReplayDialog, RetryFailedDialog } from "./requeue-actions";
import { formatRate } from "./sampling-scale";
import { DestinationStatusBadge, pausedToast, resumedToast, TRACES_WHEN, useBroadcastAccess } from "./status";

function SetupSql({ destinationId, typeName }: { destinationId: string; typeName: string }) {
  const { workspaceId } = useBroadcastAccess();
  const sql = useQuery({ queryKey: observabilityKeys.setupSql(workspaceId, destinationId), queryFn: () => observabilityApi.setupSql(workspaceId, destinationId) });
  return <SetupSqlPanel sql={sql} description={`Run this once in ${typeName} to create the table traces are written to.`} />;
}

function Header({ destination, type }: { destination: Destination; type: DestinationType | undefined }) {
  const { workspaceId, canChange, canTest, proposes } = useBroadcastAccess();
  const broadcastEnabled = useBroadcast().data?.enabled;
  const queryClient = useQueryClient();
  const router = useRouter();
  const [dialog, setDialog] = React.useState<"test" | "trace" | "delete" | null>(null);
  const close = (open: boolean) => !open && setDialog(null);
  const paused = destination.status !== "active";
  const toggle = useMutation({
    mutationFn: () => (paused ? observabilityApi.resume(workspaceId, destination.id) : observabilityApi.pause(workspaceId, destination.id)),
    onSuccess: (updated) => {
      queryClient.setQueryData(observabilityKeys.destination(workspaceId, updated.id), updated);
      toast.success(updated.status === "active" ? resumedToast(updated.name) : pausedToast(updated.name));
      return queryClient.invalidateQueries({ queryKey: observabilityKeys.all(workspaceId) });
    },
    onError: (error) => !isChangeProposed(error) && toast.error(errorMessage(error)),
  });
  return (
    <div className="grid gap-4">
      <Link
        href={workspacePath(workspaceId, "observability")}
        className="text-muted-foreground hover:text-foreground focus-visible:ring-ring/50 flex w-fit items-center gap-1 rounded text-sm outline-none focus-visible:ring-[3px]"
      >
        <ArrowLeftIcon className="size-4" aria-hidden /> Observability
      </Link>
      <PendingRequestsNotice destinationId={destination.id} />
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
        <div className="flex min-w-0 items-start gap-3">
          <PlatformIcon type={destination.type} className="text-muted-foreground size-10" />
          <div className="grid min-w-0 gap-1">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="truncate text-2xl font-semibold tracking-tight">{destination.name}</h1>
              <DestinationStatusBadge destination={destination} broadcastEnabled={broadcastEnabled} />
            </div>
            <p className="text-muted-foreground text-sm">
              {type?.name ?? destination.type} · sampling {formatRate(destination.samplingRate)}
              {destination.privacyMode && " · privacy mode"}
            </p>
          </div>
        </div>
        <div className="flex flex-wrap gap-2" onPointerEnter={preloadDestinationDialogs} onFocus={preloadDestinationDialogs}>
          {canTest && (
            <>
              <Button variant="outline" size="sm" onClick={() => setDialog("test")}>
                <PlugZapIcon aria-hidden /> Test connection
              </Button>
              <Button variant="outline" size="sm" onClick={() => setDialog("trace")}>
                <SendIcon aria-hidden /> Send test trace
              </Button>
            </>
          )}
          {canChange && (
            <>
              {/* Pause/Resume hold and release an enabled destination's traces; a disabled one is
                  switched back on in Settings (after a passing test), so it offers neither. */}
              {destination.enabled && (
                <Button variant="outline" size="sm" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
                  {paused ? <PlayIcon aria-hidden /> : <PauseIcon aria-hidden />} {proposes ? "Propose " : ""}
                  {paused ? (proposes ? "resume" : "Resume") : proposes ? "pause" : "Pause"}
                </Button>
              )}
              <Button variant="outline" size="sm" onClick={() => setDialog("delete")} aria-label={`${proposes ? "Propose deleting" : "Delete"} ${destination.name}`}>
                <Trash2Icon aria-hidden /> <span className="sm:sr-only">{proposes ? "Propose deletion" : "Delete"}</span>
              </Button>
            </>
          )}
        </div>
      </div>
      {destination.status === "auto_paused" && destination.statusReason && (
        <p role="alert" className="border-destructive/30 bg-destructive/5 text-destructive rounded-lg border px-3 py-2 text-sm">
          {destination.statusReason} {TRACES_WHEN.paused}
        </p>
      )}
      {destination.enabled && destination.status === "paused" && <p className="text-muted-foreground text-sm">Paused. {TRACES_WHEN.paused}</p>}
      {!destination.enabled && (
        <p className="text-muted-foreground text-sm">
          Disabled. {TRACES_WHEN.disabled} Switch it on under Settings › Enabled; to hold traces and send them later instead, use Pause.
        </p>
      )}
      <SavedTestDialog destination={destination} open={dialog === "test"} onOpenChange={close} />
      <TestTraceDialog open={dialog === "trace"} onOpenChange={close} destination={destination} />
      <DeleteDestinationDialog
        destination={destination}
        open={dialog === "delete"}
        onOpenChange={close}
        onDeleted={() => router.push(workspacePath(workspaceId, "observability"))}
      />
    </div>
  );
}

/** One destination: Overview (health, retry/replay, table setup) · Delivery log · Settings. */
export function DestinationDetail({ destinationId, initialTab }: { destinationId: string; initialTab: DestinationTab }) {
  const { workspaceId, canChange, proposes } = useBroadcastAccess();
  const destination = useQuery({
    queryKey: observabilityKeys.destination(workspaceId, destinationId),
    queryFn: () => observabilityApi.get(workspaceId, destinationId),
  });
  const types = useDestinationTypes();
  const [tab, setTab] = React.useState<DestinationTab>(initialTab);

  if (destination.isPending) {
    return (
      <div className="grid gap-6" role="status" aria-label="Loading destination">
        <PageHeaderSkeleton />
        <Skeleton className="h-9 w-72" />
        <Skeleton className="h-64" />
      </div>
    );
  }
  if (destination.isError) {
    return <ErrorState title="Could not load this destination" message={errorMessage(destination.error)} onRetry={() => destination.refetch()} />;
  }
  const d = destination.data;
  const type = types.data?.find((t) => t.type === d.type);
  return (
    <div className="grid gap-6">
      <Header destination={d} type={type} />
      {!canChange && <ReadOnlyNote />}
      {proposes && <ProposeNote />}
      <Tabs
        value={tab}
        onValueChange={(next) => {
          setTab(next as DestinationTab);
          // Keep the tab in the URL (shareable, survives reload) without a server round trip.
          window.history.replaceState(null, "", destinationPath(workspaceId, destinationId, next as DestinationTab));
        }}
        className="gap-6"
      >
        <TabsList>
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="deliveries">Delivery log</TabsTrigger>
          <TabsTrigger value="settings">Settings</TabsTrigger>
        </TabsList>
        <TabsContent value="overview" className="grid gap-8">
          <HealthPanel destinationId={d.id} />
          {canChange && (
            <section aria-labelledby="recovery-title" className="grid gap-3">
              <div className="grid gap-1">
                <h3 id="recovery-title" className="text-base font-semibold">
                  Recovery
                </h3>
                <p className="text-muted-foreground text-sm">Re-send what this destination missed. Each shows how many traces it would send before anything happens.</p>
              </div>
              <div className="flex flex-wrap gap-2">
                <RetryFailedDialog destinationId={d.id} />
                <ReplayDialog destinationId={d.id} />
              </div>
            </section>
          )}
          {type?.hasSetupSql && <SetupSql destinationId={d.id} typeName={type.name} />}
        </TabsContent>
        <TabsContent value="deliveries">
          <DeliveryLog destinationId={d.id} />
        </TabsContent>
        {/* Kept mounted while another tab shows, so switching tabs never loses unsaved edits. */}
        <TabsContent value="settings" forceMount className="data-[state=inactive]:hidden">
          {types.isPending ? (
            <Skeleton className="h-96" role="status" aria-label="Loading settings" />
          ) : !type ? (
            <ErrorState title="Unknown destination type" message={types.isError ? errorMessage(types.error) : `This version does not know "${d.type}".`} />
          ) : (
            <DestinationEditor key={d.id} type={type} destination={d} />
          )}
        </TabsContent>
      </Tabs>
    </div>
  );
}

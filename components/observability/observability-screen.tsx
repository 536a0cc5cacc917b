"use client";

import * as React from "react";
import { useQuery } from "@tanstack/react-query";
import { InfoIcon, RadioTowerIcon, SendIcon } from "lucide-react";
import { PendingRequestsNotice } from "@/components/governance/pending-requests-notice";
import { lazyComponent } from "@/components/shell/lazy";
import { ProposeNote } from "@/components/governance/propose-note";
import { PageHeader } from "@/components/shell/page-header";
import { QueryView } from "@/components/shell/query-view";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { observabilityApi, observabilityKeys } from "./api";
import { AddDestinationButton, CatalogDialog } from "./catalog-dialog";
import { useDestinationTypes } from "./destination-types";
import { DestinationList, DestinationListSkeleton } from "./destination-list";
import { BroadcastToggle } from "./broadcast-toggle";
import { TestTraceDialog } from "./dialogs";
import { useBroadcast } from "./broadcast";
import { useBroadcastAccess } from "./status";

// Only new workspaces show it: loaded when needed, not with every visit's page.
const FirstRunGuide = lazyComponent(() => import("./first-run-guide").then((m) => m.FirstRunGuide));

/** Shown to members of organizations, who see the settings but cannot change them directly. */
export function ReadOnlyNote() {
  return (
    <p role="note" className="bg-muted/50 text-muted-foreground flex items-start gap-2 rounded-lg border px-3 py-2 text-sm">
      <InfoIcon className="mt-0.5 size-4 shrink-0" aria-hidden />
      You can view these settings and run tests. Changes need an admin&apos;s approval: ask an admin or owner of this
      organization.
    </p>
  );
}

/** Settings › Observability: the broadcast switch and the workspace's destinations. */
export function ObservabilityScreen() {
  const { workspaceId, canChange, canTest, proposes } = useBroadcastAccess();
  const [testTraceOpen, setTestTraceOpen] = React.useState(false);
  const destinations = useQuery({
    queryKey: observabilityKeys.destinations(workspaceId),
    queryFn: () => observabilityApi.list(workspaceId),
    // Keeps the 24 h success rates and "last delivery" current while the page is open.
    refetchInterval: 30_000,
  });
  const types = useDestinationTypes();
  const hasDestinations = (destinations.data?.length ?? 0) > 0;
  const firstRun = useQuery({
    queryKey: observabilityKeys.firstRun(workspaceId),
    queryFn: () => observabilityApi.firstRun(workspaceId),
    // Each step completes when it has happened, wherever that was (an app, another tab).
    refetchInterval: (query) => (query.state.data?.traceDelivered ? false : 5_000),
  });
  const broadcastOff = useBroadcast().data?.enabled === false;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Observability"
        description="Broadcast a trace of every LLM request to the observability platforms you already use, with sampling, filters and privacy mode per destination."
        actions={
          <>
            {canTest && hasDestinations && (
              <Button
                variant="outline"
                onClick={() => setTestTraceOpen(true)}
                onPointerEnter={TestTraceDialog.preload}
                onFocus={TestTraceDialog.preload}
              >
                <SendIcon aria-hidden /> Send test trace
              </Button>
            )}
            {canChange && <AddDestinationButton />}
          </>
        }
      />
      {firstRun.data && !firstRun.data.traceDelivered && <FirstRunGuide progress={firstRun.data} broadcastOff={broadcastOff} />}
      {!canChange && <ReadOnlyNote />}
      {proposes && <ProposeNote />}
      <PendingRequestsNotice />
      <BroadcastToggle />
      <section aria-labelledby="destinations-title" className="grid gap-3">
        <h2 id="destinations-title" className="text-base font-semibold">
          Destinations
        </h2>
        <QueryView
          query={destinations}
          what="destinations"
          skeleton={<DestinationListSkeleton />}
          isEmpty={(rows) => rows.length === 0}
          empty={
            <EmptyState
              icon={<RadioTowerIcon />}
              title="No destinations yet"
              description="Add Langfuse, LangSmith, Datadog, an OpenTelemetry collector, a webhook or any other platform of the catalog. Each gets its own sampling, filters and privacy mode, with no change to your code."
              action={canChange ? <AddDestinationButton /> : <span className="text-muted-foreground text-sm">An admin can add destinations.</span>}
            />
          }
        >
          {(rows) => <DestinationList destinations={rows} types={types.data} />}
        </QueryView>
      </section>
      <TestTraceDialog open={testTraceOpen} onOpenChange={setTestTraceOpen} />
      {canChange && <CatalogDialog />}
    </div>
  );
}

"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazyDialog } from "@/components/shell/lazy";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { errorMessage, isChangeProposed } from "@/lib/api/client";
import { toast } from "@/lib/toast";
import { observabilityApi, observabilityKeys } from "./api";
import { TRACES_WHEN, useBroadcastAccess } from "./status";

const ProposeBroadcastDialog = lazyDialog(() => import("@/components/governance/propose-broadcast-dialog").then((m) => m.ProposeBroadcastDialog));

/** The workspace's master switch, flipped optimistically and rolled back if the server refuses. */
export function BroadcastToggle() {
  const { workspaceId, canChange, proposes } = useBroadcastAccess();
  // A member of an organization proposes the flip (asked first, with a comment): the switch stays put.
  const [proposing, setProposing] = React.useState<boolean | null>(null);
  const queryClient = useQueryClient();
  const key = observabilityKeys.broadcast(workspaceId);
  const broadcast = useQuery({ queryKey: key, queryFn: () => observabilityApi.broadcast(workspaceId) });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => observabilityApi.setBroadcast(workspaceId, enabled),
    onMutate: async (enabled) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<{ enabled: boolean }>(key);
      queryClient.setQueryData(key, { enabled });
      return { previous };
    },
    onError: (error, _enabled, context) => {
      queryClient.setQueryData(key, context?.previous);
      if (!isChangeProposed(error)) toast.error(`Could not change broadcast: ${errorMessage(error)}`);
    },
    onSuccess: ({ enabled }) => toast.success(enabled ? "Broadcast is on" : "Broadcast is off: traces are stored, nothing is queued or sent"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  const enabled = broadcast.data?.enabled ?? false;
  return (
    <section aria-labelledby="broadcast-title" className="flex items-start justify-between gap-4 rounded-lg border p-4">
      <div className="grid gap-1">
        <h2 id="broadcast-title" className="text-base font-semibold">
          Broadcast
        </h2>
        <p id="broadcast-description" className="text-muted-foreground max-w-2xl text-sm">
          When on, a trace of every LLM request made with this workspace&apos;s API keys is sent to each active destination
          below (a paused one queues it until resumed). When off, nothing is sent to any destination. {TRACES_WHEN.broadcastOff}{" "}
          Destinations and their settings are kept.
        </p>
        {broadcast.isError && <p className="text-destructive text-sm">Could not load the broadcast setting: {errorMessage(broadcast.error)}</p>}
      </div>
      {broadcast.isPending ? (
        <Skeleton className="h-[1.15rem] w-8 shrink-0 rounded-full" aria-hidden />
      ) : (
        <Switch
          aria-labelledby="broadcast-title"
          aria-describedby="broadcast-description"
          checked={enabled}
          disabled={!canChange || broadcast.isError}
          onCheckedChange={(next) => (proposes ? setProposing(next) : toggle.mutate(next))}
          className="mt-1"
        />
      )}
      {proposes && <ProposeBroadcastDialog enabled={proposing ?? !enabled} open={proposing !== null} onOpenChange={(open) => !open && setProposing(null)} />}
    </section>
  );
}

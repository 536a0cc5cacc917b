"use client";

import * as React from "react";
import { useMutation, useQueries, useQueryClient } from "@tanstack/react-query";
import { Loader2Icon, SendIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-field";
import { errorMessage } from "@/lib/client/api";
import { observabilityApi, observabilityKeys, type DeliveryRow, type TestTraceResult } from "./api";
import { DeliveryStatusBadge, useBroadcastAccess } from "./status";

const FINAL = new Set(["delivered", "failed", "dropped"]);
/** How long the dialog keeps refreshing a delivery that is neither delivered nor failed. */
const POLL_FOR_MS = 60_000;

/** The latest state of one delivery, from its destination's log (polled until it is final). */
function useDeliveryRows(workspaceId: string, sent: TestTraceResult | null, startedAt: number) {
  const destinationIds = [...new Set(sent?.deliveries.map((d) => d.destinationId) ?? [])];
  const logs = useQueries({
    queries: destinationIds.map((id) => ({
      queryKey: [...observabilityKeys.deliveries(workspaceId, id), "test-trace", sent?.traceId],
      queryFn: () => observabilityApi.deliveries(workspaceId, id, {}, null),
      refetchInterval: (q: { state: { data?: { deliveries: DeliveryRow[] } } }) => {
        const mine = q.state.data?.deliveries.find((d) => d.traceId === sent?.traceId);
        return (mine && FINAL.has(mine.status)) || Date.now() - startedAt > POLL_FOR_MS ? false : 1000;
      },
    })),
  });
  return (sent?.deliveries ?? []).map((initial) => {
    const latest = logs[destinationIds.indexOf(initial.destinationId)]?.data?.deliveries.find((d) => d.id === initial.id);
    return { ...initial, status: latest?.status ?? initial.status, attempts: latest?.attempts ?? 0, lastError: latest?.lastError ?? null };
  });
}

/**
 * "Send test trace": a canned trace goes through the real pipeline (routing, sampling, filters,
 * privacy, delivery) and the dialog shows which destinations it was routed to and how each
 * delivery ends. With `destination` (opened from that destination's row or page) it goes to that
 * destination only; without, to every destination of the workspace that takes it.
 */
export function TestTraceDialog({
  open,
  onOpenChange,
  destination,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  destination?: { id: string; name: string };
}) {
  const { workspaceId } = useBroadcastAccess();
  const queryClient = useQueryClient();
  const [startedAt, setStartedAt] = React.useState(0);
  const send = useMutation({
    mutationFn: () => observabilityApi.sendTestTrace(workspaceId, destination?.id),
    onMutate: () => setStartedAt(Date.now()),
    onSettled: () => queryClient.invalidateQueries({ queryKey: observabilityKeys.destinations(workspaceId) }),
  });
  const rows = useDeliveryRows(workspaceId, send.data ?? null, startedAt);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (!next) send.reset();
        onOpenChange(next);
      }}
    >
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>Send a test trace</DialogTitle>
          <DialogDescription>
            A canned LLM trace (marked as a test) goes through the real pipeline — API-key filter, sampling, filter rules,
            privacy mode —{" "}
            {destination ? (
              <>
                to <strong className="text-foreground">{destination.name}</strong> only, if it takes traces without an API key.
              </>
            ) : (
              "to every destination of this workspace that takes traces without an API key."
            )}
          </DialogDescription>
        </DialogHeader>
        <FormError message={send.error ? errorMessage(send.error) : null} />
        {send.data && (
          <div className="grid gap-2" aria-live="polite">
            <p className="text-muted-foreground text-xs">
              Trace <code className="font-mono">{send.data.traceId}</code>
            </p>
            {rows.length === 0 ? (
              <p className="text-sm">
                {destination ? `${destination.name} did not take this trace` : "No destination took this trace"}: it was left
                out by an API-key include list, filtered out or sampled out, the destination is disabled, or broadcast is off.
              </p>
            ) : (
              <ul className="grid gap-2" aria-label="Deliveries of the test trace">
                {rows.map((row) => (
                  <li key={row.id} className="flex items-center justify-between gap-3 rounded-md border px-3 py-2 text-sm">
                    <div className="grid min-w-0">
                      <span className="truncate font-medium">{row.destinationName}</span>
                      {row.lastError && <span className="text-destructive truncate text-xs">{row.lastError}</span>}
                    </div>
                    <span className="flex items-center gap-2">
                      {!FINAL.has(row.status) && <Loader2Icon className="text-muted-foreground size-3.5 animate-spin" aria-hidden />}
                      <DeliveryStatusBadge status={row.status} attempts={row.attempts} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            Close
          </Button>
          <Button onClick={() => send.mutate()} disabled={send.isPending}>
            {send.isPending ? <Loader2Icon className="animate-spin" aria-hidden /> : <SendIcon aria-hidden />}
            {send.data ? "Send another" : "Send test trace"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

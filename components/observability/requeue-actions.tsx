"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { HistoryIcon, Loader2Icon, RotateCcwIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { errorMessage, fieldErrorsOf, isChangeProposed } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { observabilityApi, observabilityKeys } from "./api";
import { useBroadcastAccess } from "./status";

/** A `datetime-local` value (local time, minutes) for a Date. */
export function toLocalInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const traces = (n: number) => `${n} trace${n === 1 ? "" : "s"}`;

/**
 * A re-queue action in two steps: a dry run counts what would be re-sent, then the user confirms
 * that number. `run(dryRun)` is the endpoint; `input` is extra UI before counting (the date).
 */
function RequeueDialog({
  trigger,
  title,
  description,
  run,
  input,
  confirmLabel,
  resetKey,
}: {
  trigger: React.ReactNode;
  title: string;
  description: string;
  run: (dryRun: boolean) => Promise<{ count: number }>;
  input?: (props: { error?: string; onEdit: () => void }) => React.ReactNode;
  confirmLabel: (count: number) => string;
  /** Changes when `input` changes, so a count for an older input is not confirmed. */
  resetKey?: string;
}) {
  const { workspaceId } = useBroadcastAccess();
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const count = useMutation({ mutationFn: () => run(true) });
  const apply = useMutation({
    mutationFn: () => run(false),
    onSuccess: ({ count: n }) => {
      toast.success(`${traces(n)} queued again`);
      setOpen(false);
      return queryClient.invalidateQueries({ queryKey: observabilityKeys.all(workspaceId) });
    },
    // Sent for approval (a member of an organization): nothing was queued yet; the notice says so.
    onError: (error) => isChangeProposed(error) && setOpen(false),
  });
  const [countedFor, setCountedFor] = React.useState<string | undefined>(undefined);
  const counted = count.data && countedFor === resetKey ? count.data.count : null;
  const busy = count.isPending || apply.isPending;
  const error = count.error ?? apply.error;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (busy) return;
        setOpen(next);
        if (!next) {
          count.reset();
          apply.reset();
        }
      }}
    >
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent className="sm:max-w-md">
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {input?.({ error: fieldErrorsOf(count.error).since ?? fieldErrorsOf(apply.error).since, onEdit: () => count.reset() })}
        {counted !== null && (
          <p role="status" className="bg-muted/50 rounded-md border px-3 py-2 text-sm">
            {counted === 0 ? "Nothing to re-send." : `${traces(counted)} will be sent again.`}
          </p>
        )}
        <FormError message={error && !fieldErrorsOf(error).since ? errorMessage(error) : null} />
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </Button>
          {counted === null || counted === 0 ? (
            <Button
              variant={counted === 0 ? "outline" : "default"}
              onClick={() => {
                setCountedFor(resetKey);
                count.mutate();
              }}
              disabled={busy}
            >
              {count.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
              {counted === 0 ? "Count again" : "Count traces"}
            </Button>
          ) : (
            <Button onClick={() => apply.mutate()} disabled={busy}>
              {apply.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
              {confirmLabel(counted)}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function RetryFailedDialog({ destinationId }: { destinationId: string }) {
  const { workspaceId, proposes } = useBroadcastAccess();
  return (
    <RequeueDialog
      trigger={
        <Button variant="outline">
          <RotateCcwIcon aria-hidden /> Retry failed
        </Button>
      }
      title="Retry failed deliveries"
      description="Deliveries that failed for good go back into the queue and are attempted again, with the destination's current settings."
      run={(dryRun) => observabilityApi.retryFailed(workspaceId, destinationId, dryRun)}
      confirmLabel={(n) => `${proposes ? "Propose retrying" : "Retry"} ${traces(n)}`}
    />
  );
}

export function ReplayDialog({ destinationId }: { destinationId: string }) {
  const { workspaceId, proposes } = useBroadcastAccess();
  const [since, setSince] = React.useState(() => toLocalInputValue(new Date(Date.now() - 24 * 3600_000)));
  const sinceIso = since ? new Date(since).toISOString() : "";
  return (
    <RequeueDialog
      trigger={
        <Button variant="outline">
          <HistoryIcon aria-hidden /> Replay since…
        </Button>
      }
      title="Replay traces"
      description="Sends again every stored trace received since the time you pick, routed with this destination's current API-key filter, sampling, filter rules and privacy mode (backfill after an outage or a new destination)."
      run={(dryRun) => observabilityApi.replay(workspaceId, destinationId, sinceIso, dryRun)}
      resetKey={sinceIso}
      input={({ error, onEdit }) => (
        <FormField label="Since" description="Your local time." error={error}>
          {(control) => (
            <Input
              {...control}
              type="datetime-local"
              value={since}
              max={toLocalInputValue(new Date())}
              onChange={(e) => {
                setSince(e.target.value);
                onEdit();
              }}
            />
          )}
        </FormField>
      )}
      confirmLabel={(n) => `${proposes ? "Propose replaying" : "Replay"} ${traces(n)}`}
    />
  );
}

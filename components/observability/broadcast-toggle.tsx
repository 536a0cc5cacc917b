"use client";

import * as React from "react";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { lazyDialog } from "@/components/shell/lazy";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { errorMessage } from "@/lib/client/api";
import { BROADCAST_OFF, useBroadcast, useSetBroadcast } from "./broadcast";
import { TRACES_WHEN, useBroadcastAccess } from "./status";

const ProposeBroadcastDialog = lazyDialog(() => import("@/components/governance/propose-broadcast-dialog").then((m) => m.ProposeBroadcastDialog));

/**
 * The workspace's master switch. Turning it on is immediate; turning it off first says what stops
 * and what is kept, and asks. A member of an organization proposes either flip instead (asked
 * first, with a comment): the switch stays put until an admin approves.
 */
export function BroadcastToggle() {
  const { canChange, proposes } = useBroadcastAccess();
  const broadcast = useBroadcast();
  const toggle = useSetBroadcast();
  const [confirmingOff, setConfirmingOff] = React.useState(false);
  const [proposing, setProposing] = React.useState<boolean | null>(null);

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
          onCheckedChange={(next) => (proposes ? setProposing(next) : next ? toggle.mutate(true) : setConfirmingOff(true))}
          className="mt-1"
        />
      )}
      <AlertDialog open={confirmingOff} onOpenChange={setConfirmingOff}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Turn Broadcast off?</AlertDialogTitle>
            <AlertDialogDescription asChild>
              <div className="grid gap-2">
                <p>
                  <strong className="text-foreground font-medium">What stops:</strong> {BROADCAST_OFF.stops}
                </p>
                <p>
                  <strong className="text-foreground font-medium">What is kept:</strong> {BROADCAST_OFF.keeps}
                </p>
              </div>
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Keep it on</AlertDialogCancel>
            <Button
              variant="destructive"
              onClick={() => {
                setConfirmingOff(false);
                toggle.mutate(false);
              }}
            >
              Turn Broadcast off
            </Button>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      {proposes && <ProposeBroadcastDialog enabled={proposing ?? !enabled} open={proposing !== null} onOpenChange={(open) => !open && setProposing(null)} />}
    </section>
  );
}

// Status badges of destinations and deliveries, and who may change broadcast settings here.
import { Badge } from "@/components/ui/badge";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { broadcastChangeMode, can } from "@/lib/auth/permissions";
import type { DeliveryStatus } from "./api";
import { destinationStateKind, waitingSummary, type StateInput } from "./destination-state";

/**
 * What happens to new traces in each state, said the same way everywhere (tests/broadcast/destination-states.test.ts
 * proves each sentence).
 */
export const TRACES_WHEN = {
  paused: "New traces are queued and held; resuming sends them all.",
  disabled: "New traces are not queued for it (a replay can send them later); traces queued before wait until it is enabled.",
  broadcastOff:
    "New traces are stored but queued for no destination (a replay can send them later); traces queued before wait until broadcast is on.",
} as const;

export const pausedToast = (name: string) => `"${name}" paused: new traces are queued and held until you resume it`;
export const resumedToast = (name: string) => `"${name}" resumed: the traces queued while it was paused are being sent`;

const RETRYING_BADGE = "border-amber-500/50 text-amber-700 dark:text-amber-400";

/**
 * The destination's state (destination-state.ts) as a badge; its title says what that means for
 * new traces. Give `broadcastEnabled` (and `waiting`, on the list) for the full picture.
 */
export function DestinationStatusBadge({ destination, broadcastEnabled }: { destination: StateInput; broadcastEnabled: boolean | undefined }) {
  const held = [destination.statusReason, TRACES_WHEN.paused].filter(Boolean).join(" ");
  const waiting = waitingSummary(destination.waiting);
  switch (destinationStateKind(destination, broadcastEnabled)) {
    case "disabled":
      return (
        <Badge variant="muted" title={`Disabled. ${TRACES_WHEN.disabled}`}>
          Disabled
        </Badge>
      );
    case "paused":
      return (
        <Badge variant="muted" title={held}>
          Paused
        </Badge>
      );
    case "auto_paused":
      return (
        <Badge variant="destructive" title={held}>
          Auto-paused
        </Badge>
      );
    case "broadcast_off":
      return (
        <Badge variant="muted" title={`Not sending: Broadcast is off for this workspace. ${TRACES_WHEN.broadcastOff}`}>
          Broadcast off
        </Badge>
      );
    case "failing":
      return (
        <Badge variant="destructive" title={["Its last delivery attempt failed; it is retried with backoff.", waiting].filter(Boolean).join(" ")}>
          Failing
        </Badge>
      );
    case "retrying":
      return (
        <Badge variant="outline" className={RETRYING_BADGE} title={["Deliveries that failed once wait for another attempt.", waiting].filter(Boolean).join(" ")}>
          Retrying
        </Badge>
      );
    case "active":
      return <Badge variant="success">Active</Badge>;
  }
}

const DELIVERY_LABELS: Record<DeliveryStatus, string> = {
  pending: "Pending",
  in_flight: "Sending",
  delivered: "Delivered",
  failed: "Failed",
  dropped: "Dropped",
};

export function deliveryStatusLabel(status: DeliveryStatus): string {
  return DELIVERY_LABELS[status];
}

/** A pending delivery that has already been attempted is waiting for its next retry. */
export function DeliveryStatusBadge({ status, attempts = 0 }: { status: DeliveryStatus; attempts?: number }) {
  if (status === "pending" && attempts > 0) {
    return (
      <Badge variant="outline" className={RETRYING_BADGE}>
        Retrying
      </Badge>
    );
  }
  const variant = status === "delivered" ? "success" : status === "failed" ? "destructive" : status === "dropped" ? "muted" : "outline";
  return <Badge variant={variant}>{DELIVERY_LABELS[status]}</Badge>;
}

/**
 * What the current user may do with broadcast settings. Members of organizations may change them
 * too, but `proposes`: each change is sent for an admin's approval (the API answers 202 with a
 * change request, surfaced by the client as isChangeProposed()). Tests change nothing, so whoever
 * has broadcast:test may run them.
 */
export function useBroadcastAccess() {
  const { workspace } = useCurrentWorkspace();
  const canChange = can(workspace.role, "broadcast:change");
  const proposes = canChange && broadcastChangeMode(workspace.role, workspace.kind) === "propose";
  return { workspaceId: workspace.id, canChange, proposes, canTest: can(workspace.role, "broadcast:test") };
}

/** A request's latency, short ("840 ms", "2.4 s"). */
export function formatLatency(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

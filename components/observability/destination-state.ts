// The one state a destination is shown in (list and detail page), derived from its settings, the
// workspace's Broadcast switch, its failure streak and what waits in its outbox. Pure, so
// tests/delivery/destination-status.test.ts covers every combination.
import { formatCount, formatDuration } from "@/lib/client/format";
import type { Destination, ListedDestination } from "./api";

export type DestinationStateKind = "broadcast_off" | "disabled" | "paused" | "auto_paused" | "failing" | "retrying" | "active";

export type StateInput = Pick<Destination, "enabled" | "status" | "statusReason" | "health"> & { waiting?: ListedDestination["waiting"] };

/**
 * Its own switches first (disabled, paused, auto-paused: they hold it whatever Broadcast says);
 * then Broadcast off, which stops one that would otherwise send; then how sending goes: failing
 * while its last attempt failed (the circuit is open or about to probe), retrying while deliveries
 * that failed once wait for another attempt, else active. `broadcastEnabled` undefined: not known
 * yet, so not claimed to be off.
 */
export function destinationStateKind(destination: StateInput, broadcastEnabled: boolean | undefined): DestinationStateKind {
  if (!destination.enabled) return "disabled";
  if (destination.status !== "active") return destination.status;
  if (broadcastEnabled === false) return "broadcast_off";
  if (destination.health.consecutiveFailures > 0) return "failing";
  if ((destination.waiting?.retrying ?? 0) > 0) return "retrying";
  return "active";
}

/** "12 waiting, oldest 5 min" (null when nothing waits). */
export function waitingSummary(waiting: ListedDestination["waiting"] | undefined, now: Date = new Date()): string | null {
  if (!waiting || waiting.waiting === 0) return null;
  const oldest = waiting.oldestQueuedAt ? `, oldest ${formatDuration(now.getTime() - new Date(waiting.oldestQueuedAt).getTime())}` : "";
  return `${formatCount(waiting.waiting, waiting.capped)} waiting${oldest}`;
}

/**
 * The last error is shown only until a later delivery succeeds: after a recovery it describes a
 * problem that is over (the engine keeps the message; lastSuccessAt says it is over).
 */
export function currentError<T extends { at: string | null }>(lastError: T | null, lastSuccessAt: string | null): T | null {
  if (!lastError) return null;
  if (lastSuccessAt && (!lastError.at || new Date(lastSuccessAt) >= new Date(lastError.at))) return null;
  return lastError;
}

// The names of governance, shared by the server and the browser bundle (no server-only imports).
import type { ChangeRequestStatus } from "@/lib/generated/prisma/enums";

/** The broadcast changes a change request can carry (the audit action each one records when applied). */
export const GOVERNED_ACTIONS = [
  "broadcast.set",
  "destination.create",
  "destination.update",
  "destination.delete",
  "destination.pause",
  "destination.resume",
  "destination.retry_failed",
  "destination.replay",
  "destination.requeue_trace",
] as const;
export type GovernedActionName = (typeof GOVERNED_ACTIONS)[number];

export const CHANGE_REQUEST_STATUSES = ["pending", "approved", "rejected", "withdrawn", "conflict"] as const satisfies readonly ChangeRequestStatus[];

// POST {dryRun}: send this delivery's trace to the destination again ("Retry" a failed delivery,
// "Replay" a delivered one); 404 for an id that names no delivery here, 409 already_queued when it already waits.
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { requeueTraceSchema } from "@/lib/broadcast/schemas";
import { deliveryParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: requeueTraceSchema },
  governed("destination.requeue_trace", ({ params, body }) => ({ targetId: params.destinationId, payload: { deliveryId: params.deliveryId }, dryRun: body.dryRun })),
);

// POST {dryRun}: send this delivery's trace to the destination again ("Retry" a failed delivery,
// "Replay" a delivered one); 404 for an id that names no delivery here, 409 already_queued when it already waits.
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { requeueDelivery } from "@/lib/broadcast/actions";
import { requeueTraceSchema } from "@/lib/broadcast/schemas";
import { deliveryParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: requeueTraceSchema },
  governed(
    ({ params, body }) => (body.dryRun ? null : { action: "destination.requeue_trace", targetId: params.destinationId, payload: { deliveryId: params.deliveryId } }),
    async ({ ctx, params, body }) => NextResponse.json(await requeueDelivery(ctx, params.destinationId, params.deliveryId, body)),
  ),
);

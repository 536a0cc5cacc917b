// POST {dryRun}: send this delivery's trace to the destination again ("Retry" a failed delivery,
// "Replay" a delivered one); 409 already_queued when it already waits.
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { governedChange } from "@/lib/governance/change-requests";
import { requeueDelivery, requeueTraceSchema, traceOfDelivery } from "@/lib/destinations/service";
import { deliveryParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: requeueTraceSchema }, async ({ ctx, params, body }) => {
  const traceId = await traceOfDelivery(ctx, params.destinationId, params.deliveryId);
  return governedChange(ctx, body.dryRun ? null : { action: "destination.requeue_trace", targetId: params.destinationId, payload: { traceId } }, async () =>
    NextResponse.json(await requeueDelivery(ctx, params.destinationId, traceId, body)),
  );
});

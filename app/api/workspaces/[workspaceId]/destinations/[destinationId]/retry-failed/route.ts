// POST {dryRun}: failed deliveries back to the queue (or just their count).
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { retryFailed } from "@/lib/broadcast/actions";
import { retryFailedSchema } from "@/lib/broadcast/schemas";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: retryFailedSchema },
  governed(
    ({ params, body }) => (body.dryRun ? null : { action: "destination.retry_failed", targetId: params.destinationId, payload: {} }),
    async ({ ctx, params, body }) => NextResponse.json(await retryFailed(ctx, params.destinationId, body)),
  ),
);

// POST {since, dryRun}: re-send the traces received since `since`, per the destination's current routing.
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { replay } from "@/lib/broadcast/actions";
import { replaySchema } from "@/lib/broadcast/schemas";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: replaySchema },
  governed(
    ({ params, body }) => (body.dryRun ? null : { action: "destination.replay", targetId: params.destinationId, payload: { since: body.since } }),
    async ({ ctx, params, body }) => NextResponse.json(await replay(ctx, params.destinationId, body)),
  ),
);

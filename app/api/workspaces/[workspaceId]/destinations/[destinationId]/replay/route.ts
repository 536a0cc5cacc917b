// POST {since, dryRun}: re-send the traces received since `since`, per the destination's current routing.
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { replaySchema } from "@/lib/broadcast/schemas";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: replaySchema },
  governed("destination.replay", ({ params, body }) => ({ targetId: params.destinationId, payload: { since: body.since }, dryRun: body.dryRun })),
);

// POST {dryRun}: failed deliveries back to the queue (or just their count).
// Not a dry run, by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { retryFailedSchema } from "@/lib/broadcast/schemas";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: retryFailedSchema },
  governed("destination.retry_failed", ({ params, body }) => ({ targetId: params.destinationId, payload: {}, dryRun: body.dryRun })),
);

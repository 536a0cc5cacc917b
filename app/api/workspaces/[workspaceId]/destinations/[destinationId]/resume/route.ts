// POST: resume a paused or auto-paused destination (clears the failure streak) and deliver what waits.
// By a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed("destination.resume", ({ params }) => ({ targetId: params.destinationId, payload: {} })),
);

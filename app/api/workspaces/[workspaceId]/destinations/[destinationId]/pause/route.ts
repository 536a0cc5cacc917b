// POST: pause deliveries to the destination (traces keep being queued for it).
// By a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed("destination.pause", ({ params }) => ({ targetId: params.destinationId, payload: {} })),
);

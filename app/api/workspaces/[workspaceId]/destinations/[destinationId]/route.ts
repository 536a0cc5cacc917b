// GET / PATCH (partial; masked or omitted secrets keep their stored value) / DELETE (soft) one destination.
// PATCH/DELETE by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { updateDestinationSchema } from "@/lib/broadcast/schemas";
import { getDestination } from "@/lib/broadcast/views";
import { destinationParams as params } from "./params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ destination: await getDestination(ctx, params.destinationId) }),
);

export const PATCH = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: updateDestinationSchema },
  governed("destination.update", ({ params, body }) => ({ targetId: params.destinationId, payload: body })),
);

export const DELETE = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed("destination.delete", ({ params }) => ({ targetId: params.destinationId, payload: {} })),
);

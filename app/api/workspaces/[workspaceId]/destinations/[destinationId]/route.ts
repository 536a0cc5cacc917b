// GET / PATCH (partial; masked or omitted secrets keep their stored value) / DELETE (soft) one destination.
// PATCH/DELETE by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { deleteDestination, updateDestination } from "@/lib/broadcast/actions";
import { updateDestinationSchema } from "@/lib/broadcast/schemas";
import { getDestination } from "@/lib/broadcast/views";
import { destinationParams as params } from "./params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ destination: await getDestination(ctx, params.destinationId) }),
);

export const PATCH = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: updateDestinationSchema },
  governed(
    ({ params, body }) => ({ action: "destination.update", targetId: params.destinationId, payload: body }),
    async ({ ctx, params, body }) => NextResponse.json({ destination: await updateDestination(ctx, params.destinationId, body) }),
  ),
);

export const DELETE = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed(
    ({ params }) => ({ action: "destination.delete", targetId: params.destinationId, payload: {} }),
    async ({ ctx, params }) => {
      await deleteDestination(ctx, params.destinationId);
      return new NextResponse(null, { status: 204 });
    },
  ),
);

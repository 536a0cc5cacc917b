// GET / PATCH (partial; masked or omitted secrets keep their stored value) / DELETE (soft) one destination.
// PATCH/DELETE by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { governedChange } from "@/lib/governance/change-requests";
import { deleteDestination, getDestination, updateDestination, updateDestinationSchema } from "@/lib/broadcast/service";
import { destinationParams as params } from "./params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ destination: await getDestination(ctx, params.destinationId) }),
);

export const PATCH = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: updateDestinationSchema }, async ({ ctx, params, body }) =>
  governedChange(ctx, { action: "destination.update", targetId: params.destinationId, payload: body }, async () =>
    NextResponse.json({ destination: await updateDestination(ctx, params.destinationId, body) }),
  ),
);

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params }, async ({ ctx, params }) =>
  governedChange(ctx, { action: "destination.delete", targetId: params.destinationId, payload: {} }, async () => {
    await deleteDestination(ctx, params.destinationId);
    return new NextResponse(null, { status: 204 });
  }),
);

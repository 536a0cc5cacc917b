// GET: one delivery of the log in detail (lib/delivery/detail.ts): the trace, its status, every
// attempt, and the request re-encoded now with the destination's current settings, secrets masked.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { getDeliveryDetail } from "@/lib/broadcast/dashboard";
import { deliveryParams as params } from "./params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json(await getDeliveryDetail(ctx, params.destinationId, params.deliveryId)),
);

// GET ?status=&cursor=&limit=: the delivery log, newest first.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { deliveriesQuery } from "@/lib/delivery/stats";
import { getDeliveries } from "@/lib/broadcast/dashboard";
import { destinationParams as params } from "../params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params, query: deliveriesQuery }, async ({ ctx, params, query }) =>
  NextResponse.json(await getDeliveries(ctx, params.destinationId, query)),
);

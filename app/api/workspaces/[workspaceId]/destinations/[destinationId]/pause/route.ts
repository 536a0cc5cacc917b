// POST: pause deliveries to the destination (traces keep being queued for it).
// By a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { pauseDestination } from "@/lib/broadcast/actions";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed(
    ({ params }) => ({ action: "destination.pause", targetId: params.destinationId, payload: {} }),
    async ({ ctx, params }) => NextResponse.json({ destination: await pauseDestination(ctx, params.destinationId) }),
  ),
);

// POST: resume a paused or auto-paused destination (clears the failure streak) and deliver what waits.
// By a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { resumeDestination } from "@/lib/broadcast/actions";
import { destinationParams as params } from "../params";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params },
  governed(
    ({ params }) => ({ action: "destination.resume", targetId: params.destinationId, payload: {} }),
    async ({ ctx, params }) => NextResponse.json({ destination: await resumeDestination(ctx, params.destinationId) }),
  ),
);

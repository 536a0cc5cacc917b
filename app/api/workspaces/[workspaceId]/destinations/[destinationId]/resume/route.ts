// POST: resume a paused or auto-paused destination (clears the failure streak) and deliver what waits.
// By a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { governedChange } from "@/lib/governance/change-requests";
import { resumeDestination } from "@/lib/broadcast/service";
import { destinationParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params }, async ({ ctx, params }) =>
  governedChange(ctx, { action: "destination.resume", targetId: params.destinationId, payload: {} }, async () =>
    NextResponse.json({ destination: await resumeDestination(ctx, params.destinationId) }),
  ),
);

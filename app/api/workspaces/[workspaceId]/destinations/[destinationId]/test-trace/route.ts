// POST: "Send test trace" from a destination's page: through the real pipeline, to this destination
// only; returns the delivery row it created (none when its routing leaves the trace out).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { sendTestTrace } from "@/lib/broadcast/testing";
import { destinationParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:test" }, params }, async ({ ctx, params }) =>
  NextResponse.json(await sendTestTrace(ctx, { destinationId: params.destinationId }), { status: 202 }),
);

// POST: "Send test trace" through the real pipeline to every destination of the workspace that takes
// it; returns the delivery rows it created, with their destinations' names.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { sendTestTrace } from "@/lib/broadcast/testing";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:test" }, params: z.object({ workspaceId: z.string() }) }, async ({ ctx }) =>
  NextResponse.json(await sendTestTrace(ctx), { status: 202 }),
);

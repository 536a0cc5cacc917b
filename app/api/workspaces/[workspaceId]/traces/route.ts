// GET ?destination=&outcome=&q=&cursor=&limit=: the Traces view: recent traces and, per destination,
// what became of them (delivered, sending, retrying, failed, waiting, or not sent and why).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { getTraceOutcomes, traceOutcomesQuery } from "@/lib/delivery/trace-outcomes";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params, query: traceOutcomesQuery }, async ({ ctx, query }) =>
  NextResponse.json(await getTraceOutcomes(ctx, query)),
);

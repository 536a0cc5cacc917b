// GET ?window=24h|7d: success rate, delivery latency, backlog, last error, time buckets.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { getDestinationHealth } from "@/lib/broadcast/dashboard";
import { destinationParams as params } from "../params";

const query = z.object({ window: z.enum(["24h", "7d"]).default("24h") });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params, query }, async ({ ctx, params, query }) =>
  NextResponse.json({ health: await getDestinationHealth(ctx, params.destinationId, query.window) }),
);

// GET/PUT {enabled}: the workspace's broadcast master switch.
// PUT by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { governedChange } from "@/lib/governance/change-requests";
import { broadcastSchema, getBroadcast, setBroadcast } from "@/lib/broadcast/service";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json(await getBroadcast(ctx)),
);

export const PUT = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: broadcastSchema }, async ({ ctx, body }) =>
  governedChange(ctx, { action: "broadcast.set", targetId: null, payload: body }, async () => NextResponse.json(await setBroadcast(ctx, body))),
);

// GET/PUT {enabled}: the workspace's broadcast master switch.
// PUT by a member of an organization: 202 {changeRequest} (applied when an admin approves it).
import { NextResponse } from "next/server";
import { z } from "zod";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { getBroadcast } from "@/lib/broadcast/views";
import { broadcastSchema } from "@/lib/broadcast/schemas";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json(await getBroadcast(ctx)),
);

export const PUT = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: broadcastSchema },
  governed("broadcast.set", ({ body }) => ({ targetId: null, payload: body })),
);

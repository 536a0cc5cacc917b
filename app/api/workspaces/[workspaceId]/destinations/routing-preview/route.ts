// POST {filterRules?, apiKeyInclude?, apiKeyExclude?, samplingRate?}: how many of the workspace's
// recent traces these routing settings would match and deliver (nothing is saved).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { previewRouting, routingPreviewSchema } from "@/lib/broadcast/routing-preview";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:read" }, params: z.object({ workspaceId: z.string() }), body: routingPreviewSchema },
  async ({ ctx, body }) => NextResponse.json(await previewRouting(ctx, body)),
);

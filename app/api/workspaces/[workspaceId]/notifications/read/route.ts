// POST {ids} | {all: true} → {unread}: marks the caller's own notifications read (an id that is not the caller's: 404, nothing marked).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { markNotificationsRead, markReadSchema } from "@/lib/notifications";

const params = z.object({ workspaceId: z.string() });

export const POST = defineRoute({ auth: { kind: "workspace", permission: "workspace:read" }, params, body: markReadSchema }, async ({ ctx, body }) =>
  NextResponse.json(await markNotificationsRead(ctx, body)),
);

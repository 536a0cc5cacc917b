// GET ?cursor=&limit= → {notifications, unread, nextCursor}: the caller's own in-app notifications
// in this workspace (the bell), newest first. Nobody reads another user's, admins included.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { listNotifications, notificationQuerySchema } from "@/lib/notifications";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "workspace:read" }, params, query: notificationQuerySchema }, async ({ ctx, query }) =>
  NextResponse.json(await listNotifications(ctx, query)),
);

// POST /api/workspaces/:id/alerts/test: sends a test notification to every channel set up, and
// says what happened on each (lib/alerts/test.ts).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { sendTestAlert } from "@/lib/alerts/test";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "alerts:manage" }, params: z.object({ workspaceId: z.string() }) }, async ({ ctx }) =>
  NextResponse.json({ channels: await sendTestAlert(ctx) }),
);

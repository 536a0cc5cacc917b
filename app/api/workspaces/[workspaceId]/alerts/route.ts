// GET/PUT /api/workspaces/:id/alerts: where the workspace's delivery alerts go (lib/alerts/settings.ts).
// Admins and owners only: the webhook URL is a credential, even masked.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { alertSettingsSchema, getAlertSettings, updateAlertSettings } from "@/lib/alerts/settings";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "alerts:manage" }, params }, async ({ ctx }) =>
  NextResponse.json({ settings: await getAlertSettings(ctx) }),
);

export const PUT = defineRoute({ auth: { kind: "workspace", permission: "alerts:manage" }, params, body: alertSettingsSchema }, async ({ ctx, body }) =>
  NextResponse.json({ settings: await updateAlertSettings(ctx, body) }),
);

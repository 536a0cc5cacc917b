// DELETE /api/workspaces/:workspaceId/management-keys/:managementKeyId: revoke the key (its next request gets 401).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { revokeManagementKey } from "@/lib/api-keys/management";

const params = z.object({ workspaceId: z.string(), managementKeyId: z.string() });

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "apiKeys:manage" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ managementKey: await revokeManagementKey(ctx, params.managementKeyId) }),
);

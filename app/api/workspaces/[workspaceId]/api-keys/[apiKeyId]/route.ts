// DELETE /api/workspaces/:workspaceId/api-keys/:apiKeyId: revoke the key (effective immediately).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { revokeApiKey } from "@/lib/api-keys";

const params = z.object({ workspaceId: z.string(), apiKeyId: z.string() });

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "apiKeys:manage" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ apiKey: await revokeApiKey(ctx, params.apiKeyId) }),
);

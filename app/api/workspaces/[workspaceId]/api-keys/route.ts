// GET /api/workspaces/:workspaceId/api-keys · POST {name}: a new key; `secret` is returned this once.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { createApiKey, createApiKeySchema, listApiKeys } from "@/lib/api-keys";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "apiKeys:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ apiKeys: await listApiKeys(ctx) }),
);

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "apiKeys:manage" }, params, body: createApiKeySchema },
  async ({ ctx, body }) => NextResponse.json(await createApiKey(ctx, body), { status: 201, headers: { "Cache-Control": "no-store" } }),
);

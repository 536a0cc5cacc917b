// GET /api/workspaces/:workspaceId/management-keys · POST {name}: a new management key (admins and
// owners: apiKeys:manage); `secret` is returned this once. The key acts with its creator's role.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { createApiKeySchema } from "@/lib/api-keys";
import { createManagementKey, listManagementKeys } from "@/lib/api-keys/management";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "apiKeys:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ managementKeys: await listManagementKeys(ctx) }),
);

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "apiKeys:manage" }, params, body: createApiKeySchema },
  async ({ ctx, body }) => NextResponse.json(await createManagementKey(ctx, body), { status: 201, headers: { "Cache-Control": "no-store" } }),
);

// PATCH/DELETE /api/workspaces/:workspaceId/upstreams/:upstreamId
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { deleteUpstream, updateUpstream, updateUpstreamSchema } from "@/lib/capture-proxy/upstreams";

const params = z.object({ workspaceId: z.string(), upstreamId: z.string() });

export const PATCH = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: updateUpstreamSchema }, async ({ ctx, params, body }) =>
  NextResponse.json({ upstream: await updateUpstream(ctx, params.upstreamId, body) }),
);

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params }, async ({ ctx, params }) => {
  await deleteUpstream(ctx, params.upstreamId);
  return new NextResponse(null, { status: 204 });
});

// GET/POST /api/workspaces/:workspaceId/upstreams: the capture proxy's upstream providers.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { createUpstream, createUpstreamSchema, listUpstreams } from "@/lib/capture-proxy/upstreams";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ upstreams: await listUpstreams(ctx) }),
);

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: createUpstreamSchema }, async ({ ctx, body }) =>
  NextResponse.json({ upstream: await createUpstream(ctx, body) }, { status: 201 }),
);

// GET ?status=&mine=true&targetId=&cursor=&limit= → {changeRequests, nextCursor}: a workspace's
// change requests, newest first, each with its human-readable diff (secrets only as "changed").
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { listChangeRequests, listQuerySchema } from "@/lib/governance/views";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params, query: listQuerySchema }, async ({ ctx, query }) =>
  NextResponse.json(await listChangeRequests(ctx, query)),
);

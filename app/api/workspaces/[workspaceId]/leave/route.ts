// POST /api/workspaces/:workspaceId/leave: the caller leaves the organization (any role may).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { leaveWorkspace } from "@/lib/workspaces/members";

const params = z.object({ workspaceId: z.string() });

export const POST = defineRoute({ auth: { kind: "workspace", permission: "workspace:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ member: await leaveWorkspace(ctx) }),
);

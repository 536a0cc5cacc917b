// GET: the workspace's progress on the first-run path (lib/workspaces/first-run.ts), for the
// guide on the Observability page.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { firstRunProgress } from "@/lib/workspaces/first-run";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ progress: await firstRunProgress(ctx.workspace.id) }),
);

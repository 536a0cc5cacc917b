// GET → {pending, minePending}: the counts behind the "Approvals" nav badge.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { countPending } from "@/lib/governance/views";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json(await countPending(ctx)),
);

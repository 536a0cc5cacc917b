// DELETE /api/workspaces/:workspaceId/invites/:inviteId: revoke a pending invite.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { revokeInvite } from "@/lib/workspaces/invites";

const params = z.object({ workspaceId: z.string(), inviteId: z.string() });

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "members:manage" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ invite: await revokeInvite(ctx, params.inviteId) }),
);

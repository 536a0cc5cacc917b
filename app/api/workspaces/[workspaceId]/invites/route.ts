// GET /api/workspaces/:workspaceId/invites · POST {role}: a new invite link (its token is shown once).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { createInvite, createInviteSchema, inviteUrl, listInvites } from "@/lib/workspaces/invites";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "members:manage" }, params }, async ({ ctx }) =>
  NextResponse.json({ invites: await listInvites(ctx) }),
);

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "members:manage" }, params, body: createInviteSchema },
  async ({ req, ctx, body }) => {
    const { invite, token } = await createInvite(ctx, body);
    return NextResponse.json({ invite, token, url: inviteUrl(token, new URL(req.url).origin) }, { status: 201 });
  },
);

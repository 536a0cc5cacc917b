// POST /api/invites/accept {token}: the signed-in user joins the invite's workspace → {workspaceId}.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { acceptInvite, acceptInviteSchema } from "@/lib/workspaces/invites";

export const POST = defineRoute({ auth: { kind: "user" }, body: acceptInviteSchema }, async ({ ctx, body }) =>
  NextResponse.json(await acceptInvite(ctx.user, body)),
);

// GET /api/workspaces/:workspaceId/members · POST {email, role}: add a user who has an account.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { addMember, addMemberSchema, listMembers } from "@/lib/workspaces/members";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "members:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ members: await listMembers(ctx) }),
);

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "members:manage" }, params, body: addMemberSchema },
  async ({ ctx, body }) => NextResponse.json({ member: await addMember(ctx, body) }, { status: 201 }),
);

// PATCH /api/workspaces/:workspaceId/members/:membershipId {role} · DELETE: remove the member.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { changeMemberRole, changeRoleSchema, removeMember } from "@/lib/workspaces/members";

const params = z.object({ workspaceId: z.string(), membershipId: z.string() });

export const PATCH = defineRoute(
  { auth: { kind: "workspace", permission: "members:manage" }, params, body: changeRoleSchema },
  async ({ ctx, params, body }) => NextResponse.json({ member: await changeMemberRole(ctx, params.membershipId, body) }),
);

export const DELETE = defineRoute({ auth: { kind: "workspace", permission: "members:manage" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ member: await removeMember(ctx, params.membershipId) }),
);

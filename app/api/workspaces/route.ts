// GET /api/workspaces: the signed-in user's workspaces with their role and kind.
// POST /api/workspaces {name}: a new organization owned by the caller.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { listWorkspaces } from "@/lib/auth/workspace";
import { createOrganization, createOrganizationSchema } from "@/lib/workspaces/organizations";

export const GET = defineRoute({ auth: { kind: "user" } }, async ({ ctx }) =>
  NextResponse.json({ workspaces: await listWorkspaces(ctx.user.id) }),
);

export const POST = defineRoute({ auth: { kind: "user" }, body: createOrganizationSchema }, async ({ ctx, body }) =>
  NextResponse.json({ workspace: await createOrganization(ctx.user, body) }, { status: 201 }),
);

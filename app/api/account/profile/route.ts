// PATCH /api/account/profile {name}: renames the signed-in user.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { profileSchema, updateProfile } from "@/lib/auth/accounts";

export const PATCH = defineRoute({ auth: { kind: "user" }, body: profileSchema }, async ({ ctx, body }) =>
  NextResponse.json({ user: await updateProfile(ctx.user, body) }),
);

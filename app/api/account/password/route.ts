// POST /api/account/password {currentPassword, newPassword}: changes the signed-in user's password;
// their other sessions end, this one stays (lib/auth/accounts.ts).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { changePassword, changePasswordSchema, signInAddress } from "@/lib/auth/accounts";
import { getSessionId } from "@/lib/auth/session";

export const POST = defineRoute({ auth: { kind: "user" }, body: changePasswordSchema }, async ({ req, ctx, body }) =>
  NextResponse.json(await changePassword(ctx.user, (await getSessionId()) ?? "", body, signInAddress(req.headers))),
);

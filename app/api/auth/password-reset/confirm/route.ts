// POST /api/auth/password-reset/confirm {token, password}: sets a new password with a reset link's
// token, which then stops working; every session of the user ends (lib/auth/password-reset.ts).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { resetPassword, resetPasswordSchema } from "@/lib/auth/password-reset";

export const POST = defineRoute({ auth: { kind: "public" }, body: resetPasswordSchema }, async ({ body }) => {
  await resetPassword(body);
  return NextResponse.json({ reset: true });
});

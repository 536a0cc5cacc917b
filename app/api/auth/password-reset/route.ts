// POST /api/auth/password-reset {email}: emails a reset link if the address has an account. Public;
// the answer is the same whether it has one or not (lib/auth/password-reset.ts). 503 when this
// server has no email settings, 429 when the client asked too often.
import { NextResponse } from "next/server";
import { afterResponse } from "@/lib/api/after-response";
import { clientAddressOf } from "@/lib/api/client-address";
import { defineRoute } from "@/lib/api/route";
import { forgotPasswordSchema, requestPasswordReset, RESET_REQUESTED_MESSAGE } from "@/lib/auth/password-reset";

export const POST = defineRoute({ auth: { kind: "public" }, body: forgotPasswordSchema }, async ({ req, body }) => {
  const send = await requestPasswordReset(body, { client: clientAddressOf(req), origin: new URL(req.url).origin });
  if (send) afterResponse(send);
  return NextResponse.json({ message: RESET_REQUESTED_MESSAGE }, { status: 202 });
});

// POST /api/auth/sign-up {email, password, name}: creates an account and its personal workspace.
// Public (the caller has no session yet); it does not sign in — the form signs in afterwards.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { signUp, signUpSchema } from "@/lib/auth/accounts";

export const POST = defineRoute({ auth: { kind: "public" }, body: signUpSchema }, async ({ body }) =>
  NextResponse.json({ user: await signUp(body) }, { status: 201 }),
);

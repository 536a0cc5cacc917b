// Auth.js's own endpoints (sign-in, OAuth callbacks, session, CSRF, sign-out). Not defineRoute
// routes: Auth.js authenticates these requests itself (CSRF token, OAuth state, signed cookies).
// Its POSTs are also refused when another site makes them (lib/api/same-origin.ts): Auth.js's
// CSRF token already stops them, and this keeps one rule for every cookie request.
import type { NextRequest } from "next/server";
import { errorReply } from "@/lib/api/reply";
import { ApiError } from "@/lib/errors";
import { assertSameOrigin } from "@/lib/api/same-origin";
import { handlers } from "@/lib/auth/config";

export const { GET } = handlers;

export async function POST(req: NextRequest): Promise<Response> {
  try {
    assertSameOrigin(req);
  } catch (err) {
    if (err instanceof ApiError) return errorReply(err).toResponse();
    throw err;
  }
  return handlers.POST(req);
}

// DELETE /api/account/sessions: sign out everywhere. Ends every session of the signed-in user, this
// one included (lib/auth/sessions.ts); copies of any of their cookies stop working at once.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { endAllSessions } from "@/lib/auth/sessions";

export const DELETE = defineRoute({ auth: { kind: "user" } }, async ({ ctx }) =>
  NextResponse.json({ ended: await endAllSessions(ctx.user.id) }),
);

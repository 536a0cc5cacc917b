// POST {reason} → {changeRequest}: rejects a pending request (owners/admins, not on their own).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { rejectChange, rejectSchema } from "@/lib/governance/decide";
import { changeRequestParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "approvals:decide" }, params, body: rejectSchema }, async ({ ctx, params, body }) =>
  NextResponse.json({ changeRequest: await rejectChange(ctx, params.changeRequestId, body) }),
);

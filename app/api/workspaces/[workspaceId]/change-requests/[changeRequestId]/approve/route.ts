// POST → {changeRequest}: applies a pending request atomically (owners/admins, not on their own).
// 409 change_conflict {message: reason} when the target changed or was deleted since the proposal,
// or the change no longer validates: the request is then `conflict` and nothing was applied.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { approveChange } from "@/lib/governance/decide";
import { changeRequestParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "approvals:decide" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ changeRequest: await approveChange(ctx, params.changeRequestId) }),
);

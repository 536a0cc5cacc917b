// POST → {changeRequest}: the proposer takes back a pending request.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { withdrawChange } from "@/lib/governance/decide";
import { changeRequestParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ changeRequest: await withdrawChange(ctx, params.changeRequestId) }),
);

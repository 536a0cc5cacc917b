// GET → {changeRequest} with its diff · PATCH {comment} → the proposer's note, while pending.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { commentSchema, setComment } from "@/lib/governance/propose";
import { getChangeRequest } from "@/lib/governance/views";
import { changeRequestParams as params } from "./params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ changeRequest: await getChangeRequest(ctx, params.changeRequestId) }),
);

export const PATCH = defineRoute({ auth: { kind: "workspace", permission: "broadcast:change" }, params, body: commentSchema }, async ({ ctx, params, body }) =>
  NextResponse.json({ changeRequest: await setComment(ctx, params.changeRequestId, body) }),
);

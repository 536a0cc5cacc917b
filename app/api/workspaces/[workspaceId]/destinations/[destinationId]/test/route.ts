// POST: test connection of the saved destination.
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { testSavedDestination } from "@/lib/broadcast/testing";
import { destinationParams as params } from "../params";

export const POST = defineRoute({ auth: { kind: "workspace", permission: "broadcast:test" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ result: await testSavedDestination(ctx, params.destinationId) }),
);

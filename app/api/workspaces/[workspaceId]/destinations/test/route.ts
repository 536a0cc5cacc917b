// POST {type, config, destinationId?}: test connection with unsaved form values (masked secrets
// are taken from the stored destination when destinationId is given).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { testUnsavedSchema } from "@/lib/broadcast/schemas";
import { testUnsavedDestination } from "@/lib/broadcast/testing";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:test" }, params: z.object({ workspaceId: z.string() }), body: testUnsavedSchema },
  async ({ ctx, body }) => NextResponse.json({ result: await testUnsavedDestination(ctx, body) }),
);

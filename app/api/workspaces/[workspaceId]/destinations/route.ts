// GET: destinations with their health summary · POST: create one (secrets come back masked).
// POST by a member of an organization: 202 {changeRequest} (created when an admin approves it).
import { NextResponse } from "next/server";
import { z } from "zod";
import { governed } from "@/lib/api/governed";
import { defineRoute } from "@/lib/api/route";
import { listDestinationsWithHealth } from "@/lib/broadcast/dashboard";
import { createDestinationSchema } from "@/lib/broadcast/schemas";

const params = z.object({ workspaceId: z.string() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx }) =>
  NextResponse.json({ destinations: await listDestinationsWithHealth(ctx) }),
);

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:change" }, params, body: createDestinationSchema },
  governed("destination.create", ({ body }) => ({ targetId: null, payload: body })),
);

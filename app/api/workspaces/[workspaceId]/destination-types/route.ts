// GET: the catalog of destination types (fields for the generated settings form).
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { destinationCatalog } from "@/lib/broadcast/views";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params: z.object({ workspaceId: z.string() }) }, async () =>
  NextResponse.json({ types: destinationCatalog() }),
);

// GET: the SQL that creates the destination's target table (ClickHouse, Snowflake).
import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/api/route";
import { getSetupSql } from "@/lib/broadcast/views";
import { destinationParams as params } from "../params";

export const GET = defineRoute({ auth: { kind: "workspace", permission: "broadcast:read" }, params }, async ({ ctx, params }) =>
  NextResponse.json({ sql: await getSetupSql(ctx, params.destinationId) }),
);

// POST {type, config}: the SQL that creates the target table for unsaved form values (ClickHouse,
// Snowflake), shown while configuring; nothing is saved.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { previewSetupSql, setupSqlPreviewSchema } from "@/lib/broadcast/setup-sql-preview";

export const POST = defineRoute(
  { auth: { kind: "workspace", permission: "broadcast:read" }, params: z.object({ workspaceId: z.string() }), body: setupSqlPreviewSchema },
  async ({ body }) => NextResponse.json({ sql: previewSetupSql(body) }),
);

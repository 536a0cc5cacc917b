// GET /api/workspaces/:workspaceId/audit?action=&targetType=&targetId=&cursor=&limit=
//   → {events, nextCursor}; with format=json the whole filtered log as a JSON file download.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { auditExportStream, auditQuerySchema, listAuditEvents } from "@/lib/audit-log";

const params = z.object({ workspaceId: z.string() });
const query = auditQuerySchema.extend({ format: z.enum(["json"]).optional() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "audit:read" }, params, query }, async ({ ctx, query }) => {
  const { format, cursor, limit, ...filter } = query;
  if (format !== "json") return NextResponse.json(await listAuditEvents(ctx, { ...filter, cursor, limit }));
  const filename = `tracecast-audit-${ctx.workspace.id}-${new Date().toISOString().slice(0, 10)}.json`;
  return new Response(auditExportStream(ctx, filter), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
});

// GET /api/workspaces/:workspaceId/audit?action=&actor=&targetType=&targetId=&cursor=&limit=
//   → {events, nextCursor}; with format=json|csv the whole filtered log (the same filters) as a
//   file download, streamed page by page. Whoever may read the log may download it.
import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { AUDIT_EXPORT_FORMATS, auditExportStream, auditQuerySchema, listAuditEvents } from "@/lib/audit-log";

const params = z.object({ workspaceId: z.string() });
const query = auditQuerySchema.extend({ format: z.enum(AUDIT_EXPORT_FORMATS).optional() });

export const GET = defineRoute({ auth: { kind: "workspace", permission: "audit:read" }, params, query }, async ({ ctx, query }) => {
  const { format, cursor, limit, ...filter } = query;
  if (!format) return NextResponse.json(await listAuditEvents(ctx, { ...filter, cursor, limit }));
  const filename = `tracecast-audit-${ctx.workspace.id}-${new Date().toISOString().slice(0, 10)}.${format}`;
  return new Response(auditExportStream(ctx, filter, format), {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
});

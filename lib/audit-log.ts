// Reading a workspace's audit log: filtered, newest first, paged by an opaque cursor, or walked
// page by page for a full export. (Writing is lib/audit.ts.)
import "server-only";
import { z } from "zod";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { validationError } from "@/lib/api/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import type { AuditEvent, Prisma } from "@/lib/generated/prisma/client";

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export const auditFilterSchema = z.object({
  action: z.string().trim().min(1).max(100).optional(),
  /** Part of the actor's email (case-insensitive); "system" for the system's own actions. */
  actor: z.string().trim().min(1).max(200).optional(),
  targetType: z.string().trim().min(1).max(100).optional(),
  targetId: z.string().trim().min(1).max(200).optional(),
});
export type AuditFilter = z.output<typeof auditFilterSchema>;

export const auditQuerySchema = auditFilterSchema.extend({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

export type AuditEventView = Omit<AuditEvent, "workspaceId">;
export type AuditPage = { events: AuditEventView[]; nextCursor: string | null };

function whereOf(ctx: WorkspaceContext, filter: AuditFilter, cursor?: string): Prisma.AuditEventWhereInput {
  const after = cursor ? decodeCursor(cursor) : null;
  return {
    workspaceId: ctx.workspace.id,
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.actor ? { actorLabel: { contains: filter.actor, mode: "insensitive" as const } } : {}),
    ...(filter.targetType ? { targetType: filter.targetType } : {}),
    ...(filter.targetId ? { targetId: filter.targetId } : {}),
    ...(after ? cursorWhere(after) : {}),
  };
}

function view({ workspaceId: _workspaceId, ...event }: AuditEvent): AuditEventView {
  return event;
}

/** One page of the log, newest first; `nextCursor` is null on the last page. */
export async function listAuditEvents(ctx: WorkspaceContext, query: AuditQuery = {}): Promise<AuditPage> {
  const parsed = auditQuerySchema.safeParse(query);
  if (!parsed.success) throw validationError(parsed.error, "query");
  const { cursor, limit, ...filter } = parsed.data;
  const rows = await prisma.auditEvent.findMany({
    where: whereOf(ctx, filter, cursor),
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { events: page.map(view), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}

/** Every matching event, newest first, read page by page (for downloads of any size). */
export async function* allAuditEvents(ctx: WorkspaceContext, filter: AuditFilter): AsyncGenerator<AuditEventView> {
  let cursor: string | undefined;
  do {
    const page = await listAuditEvents(ctx, { ...filter, cursor, limit: AUDIT_PAGE_MAX });
    yield* page.events;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** The matching events as one JSON array, produced page by page as the client reads. */
export function auditExportStream(ctx: WorkspaceContext, filter: AuditFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const events = allAuditEvents(ctx, filter);
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await events.next();
      if (done) {
        controller.enqueue(encoder.encode(first ? "[]\n" : "\n]\n"));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`${first ? "[\n" : ",\n"}${JSON.stringify(value)}`));
      first = false;
    },
    async cancel() {
      await events.return(undefined);
    },
  });
}

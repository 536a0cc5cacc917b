// Reading a workspace's audit log: filtered, newest first, paged by an opaque cursor, or walked
// page by page for a full export. (Writing is lib/audit.ts.)
import "server-only";
import { z } from "zod";
import { cursorWhere, decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { validationError } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { nameInSnapshots } from "@/lib/audit";
import { auditChanges, changesText } from "@/lib/audit-changes";
import { secretKeysOf } from "@/lib/destinations/define";
import { isMaskedValue } from "@/lib/outbound/masking";
import { getDefinition } from "@/lib/destinations/registry";
import type { AuditEvent, Prisma } from "@/lib/generated/prisma/client";
import type { DiffEntry } from "@/lib/governance/diff";

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

export type AuditEventView = Omit<AuditEvent, "workspaceId" | "changes"> & {
  /** Field by field, before → after; secrets only as set / changed / removed (lib/audit-changes.ts). */
  changes: DiffEntry[];
};
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Which snapshot paths of an event hold secrets: a destination's secret config fields (by its
 * type's definition), and anything that looks masked. Only for events stored without `changes`.
 */
function secretPathsOf(event: AuditEvent): (path: string) => boolean {
  const snapshot = ([event.after, event.before] as unknown[]).find(isRecord);
  const def = event.targetType === "destination" && typeof snapshot?.type === "string" ? getDefinition(snapshot.type) : undefined;
  const secretKeys = new Set(def ? secretKeysOf(def).map((key) => `config.${key}`) : []);
  const masked = (path: string) => [event.before, event.after].some((s) => isMaskedValue(valueAt(s, path)));
  return (path) => secretKeys.has(path) || masked(path);
}

function valueAt(snapshot: unknown, path: string): unknown {
  let value = snapshot;
  for (const key of path.split(".")) value = isRecord(value) ? value[key] : undefined;
  return value;
}

function view(row: AuditEvent, names: ReadonlyMap<string, string>): AuditEventView {
  const { workspaceId: _workspaceId, changes, ...event } = row;
  return {
    ...event,
    // Events written before names were stored: the name the snapshots hold, else the destination's.
    targetName: event.targetName ?? nameInSnapshots(event.before, event.after) ?? (event.targetId ? (names.get(event.targetId) ?? null) : null),
    changes: Array.isArray(changes) ? (changes as DiffEntry[]) : auditChanges(event.before, event.after, secretPathsOf(row)),
  };
}

/** Names of the destinations that events from before names were stored refer to (deleted ones too). */
async function destinationNames(ctx: WorkspaceContext, rows: AuditEvent[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.filter((r) => !r.targetName && r.targetType === "destination" && r.targetId).map((r) => r.targetId!))];
  if (ids.length === 0) return new Map();
  const found = await prisma.destination.findMany({ where: { id: { in: ids }, workspaceId: ctx.workspace.id }, select: { id: true, name: true } });
  return new Map(found.map((d) => [d.id, d.name]));
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
  const names = await destinationNames(ctx, page);
  return { events: page.map((row) => view(row, names)), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
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

export const AUDIT_EXPORT_FORMATS = ["json", "csv"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

const CSV_COLUMNS = ["time", "actor", "action", "target_type", "target_id", "target_name", "changes"] as const;

/**
 * One CSV cell (RFC 4180: always quoted, quotes doubled). A cell a spreadsheet would read as a
 * formula (starting with = + - @, or a tab or carriage return that hides one) gets a leading
 * apostrophe, so opening the export never runs what a user typed into a name.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvRow(event: AuditEventView): string {
  const cells = [event.createdAt.toISOString(), event.actorLabel, event.action, event.targetType, event.targetId ?? "", event.targetName ?? "", changesText(event.changes)];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/**
 * The matching events as a file, produced page by page as the client reads (any size, bounded
 * memory): a JSON array of the events as the list returns them, or CSV with one row per event.
 */
export function auditExportStream(ctx: WorkspaceContext, filter: AuditFilter, format: AuditExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const events = allAuditEvents(ctx, filter);
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await events.next();
      if (format === "csv") {
        const header = first ? `${CSV_COLUMNS.map(csvCell).join(",")}\r\n` : "";
        first = false;
        if (done) {
          if (header) controller.enqueue(encoder.encode(header));
          controller.close();
        } else controller.enqueue(encoder.encode(header + csvRow(value)));
        return;
      }
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

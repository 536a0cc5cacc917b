// The Traces view's read: recent traces of a workspace, newest first, each with its outcome at
// every destination: the delivery status where it was routed (status.ts: an exception row, else
// the destination's cursor in the log; a waiting log trace covered by failed requests is being
// retried, as in stats.ts), else why it was not sent, as recorded at ingest (TracePayload.notSent,
// lib/routing/not-sent.ts). One statement, bounded: it reads at most TRACE_SCAN_LIMIT traces
// through the (workspaceId, receivedAt) index whatever the filters, and a page that found too few
// says where to search on from (its cursor), so no filter can make it scan a workspace's history.
import { z } from "zod";
import { decodeCursor, encodeCursor } from "@/lib/api/cursor";
import { notFound } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DestinationStatus } from "@/lib/generated/prisma/enums";
import type { NotSentReason } from "@/lib/routing/not-sent";

/**
 * A trace's outcome at a destination. `waiting`: queued, held by the destination (paused,
 * auto-paused, disabled) or by Broadcast off; `not_sent`: not routed there at ingest (the reason
 * says why); `not_recorded`: stored before reasons were recorded; `added_later`: the destination
 * was created after the trace.
 */
export const TRACE_OUTCOMES = ["delivered", "sending", "retrying", "failed", "waiting", "dropped", "not_sent", "not_recorded", "added_later"] as const;
export type TraceOutcomeStatus = (typeof TRACE_OUTCOMES)[number];
/** The outcomes the view filters by. */
export const FILTERABLE_OUTCOMES = ["delivered", "sending", "retrying", "failed", "waiting", "not_sent"] as const satisfies readonly TraceOutcomeStatus[];

/** Most traces one request reads, however few of them match its filters. */
export const TRACE_SCAN_LIMIT = 1000;
const MAX_SEARCH_LENGTH = 200;

export const traceOutcomesQuery = z.object({
  destination: z.string().min(1).max(100).optional(),
  outcome: z.enum(FILTERABLE_OUTCOMES).optional(),
  /** A trace id (stored or the caller's), a session id, or part of a trace name. */
  q: z.string().trim().max(MAX_SEARCH_LENGTH).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type TraceOutcomesQuery = z.output<typeof traceOutcomesQuery>;

export type TraceOutcome = {
  status: TraceOutcomeStatus;
  /** With `not_sent`. */
  reason?: NotSentReason;
  /** Attempts and the last error of an exception row (retried, failed or replayed deliveries). */
  attempts?: number;
  lastError?: string | null;
};

export type TraceOutcomeRow = {
  /** Stored trace id, and the trace's own id (the caller's, when it sent one). */
  id: string;
  traceId: string | null;
  name: string | null;
  model: string | null;
  apiKeyName: string | null;
  sessionId: string | null;
  isTest: boolean;
  receivedAt: Date;
  /** By destination id, for every destination of the page. */
  outcomes: Record<string, TraceOutcome>;
};

export type TraceOutcomesPage = {
  /** The workspace's Broadcast switch now, and the destinations' switches: what a waiting trace waits for. */
  broadcastEnabled: boolean;
  destinations: Omit<Destination, "createdAt">[];
  traces: TraceOutcomeRow[];
  /** Where the next page starts: after the page's last trace, or, when the scan ran out before the page filled, after the last trace it read. */
  nextCursor: string | null;
  /** With filters, when the scan stopped before the page filled: how far back it searched (the next page searches on from there). */
  searchedUntil: Date | null;
};

type Destination = { id: string; name: string; type: string; createdAt: Date; enabled: boolean; status: DestinationStatus };
type Row = {
  boundary: boolean;
  id: string;
  receivedAt: Date;
  scanned: number;
  trace: Omit<TraceOutcomeRow, "id" | "receivedAt" | "outcomes"> | null;
  outcomes: Record<string, { status: TraceOutcomeStatus; reason: NotSentReason | null; attempts: number | null; lastError: string | null }> | null;
};

/**
 * The Traces view's page for the workspace: outcomes at its destinations (not deleted), or at the
 * one asked for (404 when it is not the workspace's); `destinations` lists them all either way (the
 * view's destination filter offers them).
 */
export async function getTraceOutcomes(ctx: WorkspaceContext, query: TraceOutcomesQuery): Promise<TraceOutcomesPage> {
  const all = await prisma.destination.findMany({
    where: { workspaceId: ctx.workspace.id, deletedAt: null },
    select: { id: true, name: true, type: true, createdAt: true, enabled: true, status: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const shown = query.destination ? all.filter((d) => d.id === query.destination) : all;
  if (query.destination && shown.length === 0) throw notFound("Destination");
  const page = await listTraceOutcomes(ctx.workspace.id, ctx.workspace.broadcastEnabled, shown, query);
  return { ...page, destinations: all.map(({ createdAt: _createdAt, ...d }) => d) };
}

/**
 * The workspace's traces newest first (keyset paged by (receivedAt, id)), with their outcome at
 * each destination not deleted, or at `query.destination` only (then only traces received since
 * it was created). `destinations` are already read for the workspace (tenant isolation is the
 * caller's: ids from elsewhere match nothing, every table is read with the workspace's id).
 */
export async function listTraceOutcomes(workspaceId: string, broadcastEnabled: boolean, destinations: Destination[], query: TraceOutcomesQuery): Promise<TraceOutcomesPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const take = query.limit + 1;
  const filtered = query.outcome !== undefined || Boolean(query.q);
  const scan = filtered ? TRACE_SCAN_LIMIT : take;
  const ids = destinations.map((d) => d.id);
  const since = query.destination ? destinations[0].createdAt : null;
  const where = [
    Prisma.sql`t."workspaceId" = ${workspaceId}`,
    after ? Prisma.sql`(t."receivedAt" < ${after.createdAt} OR (t."receivedAt" = ${after.createdAt} AND t.id < ${after.id}))` : null,
    since ? Prisma.sql`t."receivedAt" >= ${since}` : null,
    query.q
      ? Prisma.sql`(t.id = ${query.q} OR t.data->>'id' = ${query.q} OR t.data->>'session_id' = ${query.q}
                    OR strpos(lower(t.data->'trace'->>'trace_name'), lower(${query.q})) > 0)`
      : null,
  ].filter((w): w is Prisma.Sql => w !== null);
  const matches = query.outcome ? Prisma.sql`WHERE EXISTS (SELECT 1 FROM outcomes o WHERE o.id = s.id AND o.status = ${query.outcome})` : Prisma.empty;
  // Held: a queued trace waits there (the cursor and the outbox skip a destination that is not
  // active and enabled, and every destination while Broadcast is off).
  const heldIds = destinations.filter((d) => !d.enabled || d.status !== "active" || !broadcastEnabled).map((d) => d.id);
  const created = destinations.map((d) => d.createdAt);
  const rows = await prisma.$queryRaw<Row[]>`
    WITH scanned AS (
      SELECT t.id, t."receivedAt", t.routes, t."notSent", t.xid, t.seq
        FROM "TracePayload" t
       WHERE ${Prisma.join(where, " AND ")}
       ORDER BY t."receivedAt" DESC, t.id DESC
       LIMIT ${scan}
    ),
    destinations AS (
      SELECT d.id, d."createdAt", d.id = ANY(${heldIds}::text[]) AS held
        FROM unnest(${ids}::text[], ${created}::timestamp(3)[]) AS d(id, "createdAt")
    ),
    outcomes AS (
      SELECT s.id, d.id AS "destinationId", coalesce(e.attempts, nullif(f.attempts, 0)) AS attempts, coalesce(e."lastError", f."lastError") AS "lastError",
             s."notSent" -> d.id AS reason,
             CASE
               WHEN e.status IS NOT NULL THEN
                 CASE WHEN e.status IN ('pending', 'in_flight') AND d.held THEN 'waiting'
                      WHEN e.status = 'pending' AND e.attempts > 0 THEN 'retrying'
                      WHEN e.status IN ('pending', 'in_flight') THEN 'sending'
                      ELSE e.status::text END
               WHEN s.routes ? d.id THEN
                 CASE WHEN (s.xid, s.seq) <= (c.xid, c.seq) THEN 'delivered'
                      WHEN d.held THEN 'waiting'
                      WHEN f.attempts > 0 THEN 'retrying'
                      ELSE 'sending' END
               WHEN s."notSent" ? d.id THEN 'not_sent'
               WHEN d."createdAt" > s."receivedAt" THEN 'added_later'
               ELSE 'not_recorded'
             END AS status
        FROM scanned s
       CROSS JOIN destinations d
        LEFT JOIN "DeliveryCursor" c ON c."destinationId" = d.id
        LEFT JOIN "Delivery" e ON e."traceId" = s.id AND e."destinationId" = d.id AND e."workspaceId" = ${workspaceId}
        -- A log trace past the cursor that failed requests carried: being retried (the cursor waits at a retryable failure).
        LEFT JOIN LATERAL (SELECT count(*)::int AS attempts, (array_agg(a.error ORDER BY a.at DESC))[1] AS "lastError"
                             FROM "DeliveryAttempt" a
                            WHERE e.status IS NULL AND s.routes ? d.id AND NOT (s.xid, s.seq) <= (c.xid, c.seq)
                              AND a."destinationId" = d.id AND NOT a.ok
                              AND (a."toXid", a."toSeq") >= (s.xid, s.seq) AND (a."fromXid", a."fromSeq") <= (s.xid, s.seq)) f ON true
    ),
    page AS (
      SELECT s.id, s."receivedAt" FROM scanned s ${matches}
       ORDER BY s."receivedAt" DESC, s.id DESC
       LIMIT ${take}
    )
    SELECT false AS boundary, p.id, p."receivedAt", 0 AS scanned,
           jsonb_build_object('traceId', t.data->>'id', 'name', t.data->'trace'->>'trace_name', 'model', t.data->>'model',
                              'apiKeyName', t.data->>'api_key_name', 'sessionId', t.data->>'session_id', 'isTest', t."isTest") AS trace,
           (SELECT jsonb_object_agg(o."destinationId", jsonb_build_object('status', o.status, 'reason', o.reason, 'attempts', o.attempts, 'lastError', o."lastError"))
              FROM outcomes o WHERE o.id = p.id) AS outcomes
      FROM page p JOIN "TracePayload" t ON t.id = p.id
    UNION ALL
    (SELECT true, s.id, s."receivedAt", (SELECT count(*) FROM scanned)::int, NULL, NULL FROM scanned s ORDER BY s."receivedAt", s.id LIMIT 1)`;
  const boundary = rows.find((r) => r.boundary);
  const found = rows
    .filter((r) => !r.boundary)
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = found.slice(0, query.limit);
  // The scan read all it may and the page is not full: the rest is older than what it read.
  const scanFull = boundary !== undefined && boundary.scanned >= scan && found.length < take;
  return {
    broadcastEnabled,
    destinations: destinations.map(({ createdAt: _createdAt, ...d }) => d),
    traces: page.map((r) => ({
      id: r.id,
      receivedAt: r.receivedAt,
      ...r.trace!,
      outcomes: Object.fromEntries(
        Object.entries(r.outcomes ?? {}).map(([destinationId, o]) => [
          destinationId,
          {
            status: o.status,
            ...(o.reason ? { reason: o.reason } : {}),
            ...(o.attempts !== null ? { attempts: o.attempts, lastError: o.lastError } : {}),
          },
        ]),
      ),
    })),
    nextCursor: found.length > query.limit ? encodeCursor({ createdAt: page.at(-1)!.receivedAt, id: page.at(-1)!.id }) : scanFull ? encodeCursor({ createdAt: boundary.receivedAt, id: boundary.id }) : null,
    searchedUntil: scanFull && filtered ? boundary.receivedAt : null,
  };
}

// One delivery of the delivery log, in detail: the trace, its status at the destination, every
// request that carried it, and what is sent for it. A delivery is named as the log names it
// (stats.ts listDeliveries): `dlv_<traceId>_<destinationId>` for a log trace (log.ts
// logDeliveryId; an exception row made from the log keeps that id), or an exception row's own id
// (a replay's). Callers pass a destination already scoped to the workspace; every read here also
// filters on the workspace.
//
// Batches are not stored: "what was sent" is the trace re-encoded now, alone, with the
// destination's current definition, settings and shaping (privacy mode, metadata switches), through
// the drain's own loading and shaping (drain.ts). The UI says so.
import { prisma } from "@/lib/db";
import type { Db } from "@/lib/db-client";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";
import { maskRequest, secretValuesOf, type MaskedRequest } from "@/lib/destinations/http";
import { maskSecretsIn, secretForms } from "@/lib/outbound/masking";
import { encodingSetupOf, loadTraces } from "./drain";
import { comparePositions, logDeliveryId, type LogPosition } from "./log";

/** Request bodies are shown and downloaded up to this many characters (a trace may be megabytes). */
export const MAX_SHOWN_BODY_CHARS = 256 * 1024;
/** The newest attempts shown (a trace held by a failing destination is attempted again and again). */
export const MAX_SHOWN_ATTEMPTS = 100;
/** Requests shown when one trace encodes to several. */
const MAX_SHOWN_REQUESTS = 5;
/**
 * Attempts read from the trace's log position onwards, by the end of their range, to find those
 * whose range began at or before it: the ones that carried it come first in that order.
 */
const LOG_ATTEMPT_SCAN = 1000;

export type DeliveryTraceSummary = {
  /** Stored id, and the trace's own id (the caller's `id`, when it sent one). */
  id: string;
  externalId: string | null;
  /** The provider's id for the generation (response.id: OpenRouter's `gen-…`, OpenAI's `chatcmpl-…`). */
  generationId: string | null;
  name: string | null;
  model: string | null;
  provider: string | null;
  apiKeyName: string | null;
  sessionId: string | null;
  user: string | null;
  receivedAt: Date;
  sizeBytes: number;
  isTest: boolean;
};

export type DeliveryAttemptView = {
  id: string;
  at: Date;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  /** Traces the request carried (this one among them). */
  traces: number;
  /** The failure, or the traces of the request the platform refused; short, secrets masked. */
  error: string | null;
  /** For a failure: when the destination is tried again. */
  nextAttemptAt: Date | null;
};

export type SentRequests =
  | { kind: "requests"; requests: MaskedRequest[]; more: number; refused: string | null; encodedAt: Date }
  /** A destination delivered through an SDK (S3, ClickHouse…): the shaped trace its transport receives. */
  | { kind: "transport"; trace: string; truncated: boolean; refused: string | null; encodedAt: Date }
  | { kind: "unavailable"; reason: string };

export type DeliveryDetail = {
  id: string;
  destinationId: string;
  status: DeliveryStatus;
  /** An exception row holds the delivery (a failure, retry or replay); else the log does. */
  exceptionRow: boolean;
  trace: DeliveryTraceSummary;
  lastStatus: number | null;
  /** Why it failed or waits (the last failure, secrets masked). */
  lastError: string | null;
  /** When it is tried again, while it waits after a failure. */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  attempts: DeliveryAttemptView[];
  /** More attempts carried it than are shown. */
  moreAttempts: boolean;
  sent: SentRequests;
};

type Resolved = {
  traceId: string;
  row: { id: string; status: DeliveryStatus; samplingRate: number; lastStatus: number | null; lastError: string | null; nextAttemptAt: Date; deliveredAt: Date | null } | null;
};

const ROW_SELECT = { id: true, traceId: true, status: true, samplingRate: true, lastStatus: true, lastError: true, nextAttemptAt: true, deliveredAt: true } as const;

/** The trace and exception row a delivery id names at the destination, or null when it names none there. */
export async function resolveDelivery(db: Db, workspaceId: string, destinationId: string, deliveryId: string): Promise<Resolved | null> {
  const suffix = `_${destinationId}`;
  if (deliveryId.startsWith("dlv_") && deliveryId.endsWith(suffix) && deliveryId.length > 4 + suffix.length) {
    const traceId = deliveryId.slice(4, -suffix.length);
    const row = await db.delivery.findFirst({ where: { traceId, destinationId, workspaceId }, select: ROW_SELECT });
    if (row) return { traceId, row };
    // A log trace: routed to the destination at ingest.
    const [routed] = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM "TracePayload" WHERE id = ${traceId} AND "workspaceId" = ${workspaceId} AND routes ? ${destinationId}`;
    return routed ? { traceId, row: null } : null;
  }
  const row = await db.delivery.findFirst({ where: { id: deliveryId, destinationId, workspaceId }, select: ROW_SELECT });
  return row ? { traceId: row.traceId, row } : null;
}

type TraceRow = DeliveryTraceSummary & { xid: string; seq: string; routedRate: number | null };

async function readTrace(workspaceId: string, destinationId: string, traceId: string): Promise<TraceRow | null> {
  const [trace] = await prisma.$queryRaw<TraceRow[]>`
    SELECT t.id, t.data->>'id' AS "externalId", t.data->'response'->>'id' AS "generationId", t.data->'trace'->>'trace_name' AS name,
           t.data->>'model' AS model, t.data->>'provider' AS provider, coalesce(k.name, t.data->>'api_key_name') AS "apiKeyName",
           t.data->>'session_id' AS "sessionId", t.data->>'user' AS "user", t."receivedAt", t."sizeBytes", t."isTest",
           t.xid::text AS xid, t.seq::text AS seq, (t.routes->>${destinationId})::float8 AS "routedRate"
      FROM "TracePayload" t LEFT JOIN "ApiKey" k ON k.id = t."apiKeyId"
     WHERE t.id = ${traceId} AND t."workspaceId" = ${workspaceId}`;
  return trace ?? null;
}

/**
 * Every request that carried the trace to the destination, newest first: log requests whose range
 * covers its position (when it was routed there in the log), and requests that carried its
 * exception row (by id: DeliveryAttempt.deliveryIds, GIN-indexed).
 */
async function attemptsOf(destinationId: string, position: LogPosition | null, rowId: string | null): Promise<DeliveryAttemptView[]> {
  const parts: Prisma.Sql[] = [];
  if (position) {
    parts.push(Prisma.sql`
      SELECT * FROM (SELECT id, at, ok, "httpStatus", "latencyMs", traces, error, "nextAttemptAt", "fromXid", "fromSeq"
                       FROM "DeliveryAttempt"
                      WHERE "destinationId" = ${destinationId} AND ("toXid", "toSeq") >= (${position.xid}::bigint, ${position.seq}::bigint)
                      ORDER BY "toXid", "toSeq" LIMIT ${LOG_ATTEMPT_SCAN}) covering
       WHERE ("fromXid", "fromSeq") <= (${position.xid}::bigint, ${position.seq}::bigint)`);
  }
  if (rowId) {
    parts.push(Prisma.sql`
      SELECT id, at, ok, "httpStatus", "latencyMs", traces, error, "nextAttemptAt", "fromXid", "fromSeq"
        FROM "DeliveryAttempt" WHERE "destinationId" = ${destinationId} AND "deliveryIds" @> ARRAY[${rowId}]::text[]`);
  }
  if (parts.length === 0) return [];
  return prisma.$queryRaw<DeliveryAttemptView[]>`
    SELECT id, at, ok, "httpStatus", "latencyMs", traces, error, "nextAttemptAt"
      FROM (${Prisma.join(parts, " UNION ALL ")}) attempts
     ORDER BY at DESC, id DESC LIMIT ${MAX_SHOWN_ATTEMPTS + 1}`;
}

/** The trace re-encoded now for the destination, as its next delivery would send it, secrets masked. */
async function reencode(destinationId: string, traceId: string, deliveryId: string, samplingRate: number): Promise<SentRequests> {
  const setup = await encodingSetupOf(destinationId);
  if (typeof setup === "string") return { kind: "unavailable", reason: `Cannot encode for this destination: ${setup}.` };
  const [loaded] = await loadTraces([{ traceId, deliveryId, samplingRate }], setup.shaping);
  if (!loaded) return { kind: "unavailable", reason: "The trace is no longer stored (retention deleted it)." };
  const { def, config, configError } = setup;
  if (configError || !config) return { kind: "unavailable", reason: configError?.message ?? "The destination's configuration cannot be used." };
  const secrets = secretForms(secretValuesOf(def, config));
  const encodedAt = new Date();
  const refused = def.refuses?.(loaded.trace, encodedAt) ?? null;
  if (!def.encode) {
    const text = maskSecretsIn(JSON.stringify(loaded.trace, null, 2), secrets);
    return { kind: "transport", trace: text.slice(0, MAX_SHOWN_BODY_CHARS), truncated: text.length > MAX_SHOWN_BODY_CHARS, refused, encodedAt };
  }
  try {
    const requests = def.encode([loaded.trace], config, encodedAt);
    return {
      kind: "requests",
      requests: requests.slice(0, MAX_SHOWN_REQUESTS).map((request) => maskRequest(request, secrets, MAX_SHOWN_BODY_CHARS)),
      more: Math.max(0, requests.length - MAX_SHOWN_REQUESTS),
      refused,
      encodedAt,
    };
  } catch (err) {
    return { kind: "unavailable", reason: maskSecretsIn(`${def.name} cannot encode this trace: ${err instanceof Error ? err.message : String(err)}`, secrets) };
  }
}

/** The delivery's detail, or null when the id names no delivery of the destination in the workspace. */
export async function deliveryDetail(workspaceId: string, destinationId: string, deliveryId: string): Promise<DeliveryDetail | null> {
  const resolved = await resolveDelivery(prisma, workspaceId, destinationId, deliveryId);
  if (!resolved) return null;
  const { traceId, row } = resolved;
  const trace = await readTrace(workspaceId, destinationId, traceId);
  if (!trace) return null;
  const { xid, seq, routedRate, ...summary } = trace;
  const inLog = routedRate !== null;
  const cursor = inLog
    ? await prisma.$queryRaw<LogPosition[]>`SELECT xid::text AS xid, seq::text AS seq FROM "DeliveryCursor" WHERE "destinationId" = ${destinationId}`
    : [];
  const passed = cursor[0] !== undefined && comparePositions({ xid, seq }, cursor[0]) <= 0;
  const [attempts, sent] = await Promise.all([
    attemptsOf(destinationId, inLog ? { xid, seq } : null, row?.id ?? null),
    reencode(destinationId, traceId, row?.id ?? logDeliveryId(traceId, destinationId), row?.samplingRate ?? routedRate ?? 1),
  ]);
  const shown = attempts.slice(0, MAX_SHOWN_ATTEMPTS);
  const lastFailure = shown.find((a) => !a.ok);
  const lastDelivered = shown.find((a) => a.ok);
  const status: DeliveryStatus = row ? row.status : passed ? "delivered" : "pending";
  const waiting = status === "pending" || status === "in_flight";
  return {
    id: deliveryId,
    destinationId,
    status,
    exceptionRow: row !== null,
    trace: summary,
    lastStatus: row ? row.lastStatus : (shown[0]?.httpStatus ?? null),
    lastError: row ? row.lastError : status === "pending" ? (lastFailure?.error ?? null) : null,
    // A log trace waits for the destination's circuit: the last failed request says when.
    nextAttemptAt: !waiting ? null : row ? row.nextAttemptAt : (lastFailure?.nextAttemptAt ?? null),
    deliveredAt: row ? row.deliveredAt : status === "delivered" ? (lastDelivered?.at ?? null) : null,
    attempts: shown,
    moreAttempts: attempts.length > MAX_SHOWN_ATTEMPTS,
    sent,
  };
}

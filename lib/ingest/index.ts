// Ingestion: validated trace inputs → normalized traces, each stored with where it was routed (its
// `routes`: the delivery log, lib/delivery/log.ts), one row per trace in one atomic statement (shared
// with concurrent requests: group commit), then the dispatcher is kicked after the response.
// Shared by POST /api/v1/traces and the capture proxy.
import { afterResponse } from "@/lib/api/after-response";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { driver } from "@/lib/db";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { cachedRouters } from "@/lib/ingest/config-cache";
import type { NotSentReason, NotSentReasons } from "@/lib/routing/not-sent";
import { createRouter, ROUTABLE_DESTINATION_SELECT, type NotSentRecorder, type RoutableDestination, type RouteDecision, type Router } from "@/lib/routing/route";
import { newTraceId, normalizeTrace, type CallerFacts } from "@/lib/traces/normalize";
import type { ParsedTraceInput, Trace, TraceSource } from "@/lib/traces/schema";

export type AcceptOptions = {
  headerSessionId?: string;
  /** The calling app as the request describes it (lib/traces/normalize.ts callerFacts). */
  caller?: CallerFacts;
  /** Default "api" ("test" with isTest). */
  source?: TraceSource;
  isTest?: boolean;
  /** Queue for this destination only (if its routing takes the traces): a test trace sent from its page. */
  onlyDestinationId?: string;
  /**
   * An Idempotency-Key of the API key (lib/ingest/idempotency.ts): stored in the same statement as
   * the traces, with the answer, unless the key is already stored, in which case nothing is.
   */
  idempotency?: { key: string; bodyHash: string };
};

/**
 * Who submits the traces: an API key, or the app itself (apiKey null: "Send test trace"). A
 * keyless trace reaches only destinations without an API-key include list (lib/routing/route.ts).
 */
export type IngestContext = ApiKeyContext | { apiKey: null; workspace: ApiKeyContext["workspace"] };

export type AcceptResult = {
  /** Trace ids (Trace.id: the caller's `id`, or the generated `gen-<uuid>`), in input order. */
  ids: string[];
  /** Number of deliveries queued (trace × destination pairs). */
  routed: number;
  /** False when the request's Idempotency-Key was already stored (by a concurrent request): nothing was stored. */
  stored: boolean;
};

/**
 * Stores a batch of traces and queues their deliveries: all or nothing.
 *
 * Every trace is stored, even when the workspace's broadcast switch is off (then it is routed
 * nowhere): stored traces can be replayed to destinations later, and turning broadcast off must not
 * silently lose data the apps already sent. Paused and auto-paused destinations are routed like
 * active ones; their cursor waits for Resume (lib/routing/route.ts).
 *
 * TracePayload.id is always a fresh `gen-<uuid>` (the trace's own id when the caller gave none):
 * a caller-given id is only unique per caller, and using it as the global primary key would let
 * one workspace collide with another's rows.
 */
export async function acceptTraces(ctx: IngestContext, inputs: ParsedTraceInput[], opts: AcceptOptions = {}): Promise<AcceptResult> {
  const receivedAt = new Date();
  const traces = inputs.map((input) => {
    const storageId = newTraceId();
    const trace = normalizeTrace(input, {
      apiKeyName: ctx.apiKey?.name ?? null,
      receivedAt,
      headerSessionId: opts.headerSessionId,
      caller: opts.caller,
      source: opts.isTest ? "test" : (opts.source ?? "api"),
      isTest: opts.isTest,
      newId: () => storageId,
    });
    return { storageId, trace };
  });
  const ids = traces.map((t) => t.trace.id);
  const idempotency = opts.idempotency && ctx.apiKey ? { ...opts.idempotency, apiKeyId: ctx.apiKey.id, answer: { ids } } : undefined;
  const { routed, deliverable, stored } = await commit({ ctx, receivedAt, traces, onlyDestinationId: opts.onlyDestinationId, idempotency });
  // After the response, so dispatching never adds latency to ingestion. A failed kick only delays
  // delivery: the traces and their routes are committed, and the dispatcher's sweep picks them up. Traces held
  // for a paused destination are not kicked: Resume kicks them.
  if (deliverable.length) afterResponse(() => kickDestinations([...new Set(deliverable)]));
  return { ids, routed, stored };
}

// ───────────── group commit ─────────────
//
// Concurrent requests are committed together: while one commit runs, newly arriving requests
// queue, and the next commit takes them all in one statement.
// Per-statement overhead (the bulk of a small insert's cost, especially on embedded PGlite) is
// then shared by every request in the batch, so throughput grows with load instead of queueing
// behind it. Nothing waits on a timer: an idle server commits a lone request after one turn of
// the event loop.
// Routing happens at commit time, against the workspace's destinations as cached for at most a
// second (lib/ingest/config-cache.ts).

type CommitRequest = {
  ctx: IngestContext;
  receivedAt: Date;
  traces: { storageId: string; trace: Trace }[];
  onlyDestinationId?: string;
  /** Stored with the traces; when the key is already stored, the traces are not. The answer is 202 {ids}. */
  idempotency?: { apiKeyId: string; key: string; bodyHash: string; answer: { ids: string[] } };
};

/**
 * What one request's commit did: how many deliveries it queued, the destinations to kick (not
 * paused), and whether it stored anything (not when its Idempotency-Key was already stored).
 */
type Committed = { routed: number; deliverable: string[]; stored: boolean };

/** A queued request and its caller's promise. */
type Queued = { request: CommitRequest; resolve: (committed: Committed) => void; reject: (err: unknown) => void };

/** Most traces in one commit (bounds the statement size; a request's own batch is never split). */
const MAX_TRACES_PER_COMMIT = 1000;

const queue: Queued[] = [];
let committing = false;

function commit(request: CommitRequest): Promise<Committed> {
  return new Promise((resolve, reject) => {
    queue.push({ request, resolve, reject });
    if (!committing) void drainQueue();
  });
}

async function drainQueue(): Promise<void> {
  committing = true;
  try {
    while (queue.length) {
      // One turn of the event loop (not a timer): requests whose bodies are already being read
      // join this commit. Without it, a database that answers synchronously (embedded PGlite)
      // leaves no gap for them and every request commits alone (measured: 1.0 request per commit
      // at 32 in flight, 13.6 with the yield, and twice the throughput).
      await new Promise((resolve) => setImmediate(resolve));
      let traces = queue[0].request.traces.length;
      let count = 1;
      while (count < queue.length && traces + queue[count].request.traces.length <= MAX_TRACES_PER_COMMIT) {
        traces += queue[count].request.traces.length;
        count++;
      }
      const batch = queue.splice(0, count);
      try {
        const routed = await store(batch.map((q) => q.request));
        batch.forEach((q, i) => q.resolve(routed[i]));
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err);
          continue;
        }
        // One request's failure must not fail the others it happened to share a commit with.
        for (const q of batch) await store([q.request]).then(([committed]) => q.resolve(committed), q.reject);
      }
    }
  } finally {
    committing = false;
  }
}

/** `request`: the row's request in the batch, only in a batch with Idempotency-Keys (INSERT_TRACES_ONCE). */
type PayloadRow = {
  id: string;
  workspaceId: string;
  apiKeyId: string | null;
  sizeBytes: number;
  isTest: boolean;
  receivedAt: string;
  /** { destinationId: samplingRate } of the destinations the trace was routed to; null for none. */
  routes: Record<string, number> | null;
  /** Why each other destination of the workspace did not get the trace (lib/routing/not-sent.ts); null for none. */
  notSent: NotSentReasons | null;
  request?: number;
};
type IdempotencyRow = { request: number; apiKeyId: string; key: string; bodyHash: string; status: number; answer: { ids: string[] }; createdAt: string };

const TEST_FOR_OTHER: NotSentReason = { r: "test_for_other" };

/** Routes and stores a batch of requests in one statement; returns what each request queued and stored. */
async function store(batch: CommitRequest[]): Promise<Committed[]> {
  // Every workspace's router, Broadcast on or off: with it off, it says why nothing was sent.
  const routers = await routersFor([...new Set(batch.map((r) => r.ctx.workspace.id))]);

  /** TracePayload rows as JSON text (see payloadJson). */
  const payloads: string[] = [];
  const keys: IdempotencyRow[] = [];
  const withKeys = batch.some((r) => r.idempotency);
  const keysInBatch = new Set<string>();
  const routed = batch.map(({ ctx, receivedAt, traces, onlyDestinationId, idempotency }, request) => {
    const workspaceId = ctx.workspace.id;
    const apiKeyId = ctx.apiKey?.id ?? null;
    const route = routers.get(workspaceId);
    const at = receivedAt.toISOString();
    if (idempotency) {
      const { apiKeyId: keyOwner, key, bodyHash, answer } = idempotency;
      // The same key twice in one batch (a duplicate sent concurrently): the first one stores.
      if (keysInBatch.has(`${keyOwner}\n${key}`)) return undefined;
      keysInBatch.add(`${keyOwner}\n${key}`);
      keys.push({ request, apiKeyId: keyOwner, key, bodyHash, status: 202, answer, createdAt: at });
    }
    const committed: Committed = { routed: 0, deliverable: [], stored: true };
    for (const { storageId, trace } of traces) {
      const data = JSON.stringify(trace);
      const sizeBytes = Buffer.byteLength(data);
      let routes: Record<string, number> | null = null;
      let notSent: NotSentReasons | null = null;
      const recordNotSent: NotSentRecorder = (destinationId, reason) => ((notSent ??= {})[destinationId] = reason);
      let decisions: RouteDecision[] = [];
      if (route && ctx.workspace.broadcastEnabled) decisions = route(trace, apiKeyId, recordNotSent);
      else if (route) notSent = route.whileBroadcastOff;
      for (const { destinationId, samplingRate, held } of decisions) {
        if (onlyDestinationId !== undefined && destinationId !== onlyDestinationId) {
          recordNotSent(destinationId, TEST_FOR_OTHER);
          continue;
        }
        (routes ??= {})[destinationId] = samplingRate;
        committed.routed++;
        if (!held) committed.deliverable.push(destinationId);
      }
      const row: PayloadRow = { id: storageId, workspaceId, apiKeyId, sizeBytes, isTest: trace.is_test, receivedAt: at, routes, notSent };
      if (withKeys) row.request = request;
      payloads.push(payloadJson(data, row));
    }
    return committed;
  });
  const notStored: Committed = { routed: 0, deliverable: [], stored: false };
  if (!withKeys) {
    await insertTraces(payloads);
    return routed.map((committed) => committed!);
  }
  const storedRequests = await insertTracesOnce(payloads, keys);
  return routed.map((committed, request) => (committed && (!batch[request].idempotency || storedRequests.has(request)) ? committed : notStored));
}

/**
 * A TracePayload row as JSON text around the trace's JSON text `data`: each trace is serialized once,
 * for its size and for the statement (serializing it twice cost more than routing it).
 */
function payloadJson(data: string, row: PayloadRow): string {
  return `{"data":${data},${JSON.stringify(row).slice(1)}`;
}

/** The routers of the workspaces, from the cache or else read (one query per workspace, in parallel). */
async function routersFor(workspaceIds: string[]): Promise<Map<string, Router>> {
  const routers = await Promise.all(workspaceIds.map((id) => cachedRouters.get(id, () => readRouter(id))));
  return new Map(workspaceIds.map((id, i) => [id, routers[i]!]));
}

/**
 * Read on the driver, not through Prisma: Prisma's ~2 ms per query ran as one uninterrupted turn of
 * the event loop, once per workspace per cache refresh, stalling every request in flight.
 */
async function readRouter(workspaceId: string): Promise<Router> {
  return createRouter(await driver.query<RoutableDestination>(SELECT_ROUTABLE_DESTINATIONS, [workspaceId], "tracecast_routable_destinations"));
}

const SELECT_ROUTABLE_DESTINATIONS = `
  SELECT ${Object.keys(ROUTABLE_DESTINATION_SELECT)
    .map((column) => `"${column}"`)
    .join(", ")}
  FROM "Destination"
  WHERE "workspaceId" = $1 AND "deletedAt" IS NULL`;

/**
 * Inserts the traces, each with its routes, in ONE statement, atomic on its own: no BEGIN/COMMIT
 * round trips, and no row per delivery (each destination reads the log with its cursor:
 * lib/delivery/log.ts; the columns xid and seq, the log's order, come from their defaults). It goes
 * to the driver directly, not through Prisma, whose per-call query compilation of the large JSON
 * parameter cost more CPU than the statement (bench/ingest.bench.mts), prepared once per connection
 * on PostgreSQL. The rows travel as one JSON parameter. Timestamps are written as UTC wall-clock
 * values into the `timestamp(3)` columns, as Prisma does. tests/ingest/*.test.ts read every column
 * back through Prisma.
 */
async function insertTraces(payloads: string[]): Promise<void> {
  // toISOString() ends in "Z"; a cast to `timestamp` (without time zone) keeps the UTC wall-clock value.
  await driver.query(INSERT_TRACES, [`[${payloads.join(",")}]`], "tracecast_insert_traces");
}

const INSERT_TRACES = `
  INSERT INTO "TracePayload" (id, "workspaceId", "apiKeyId", data, "sizeBytes", "isTest", "receivedAt", routes, "notSent")
  SELECT id, "workspaceId", "apiKeyId", data, "sizeBytes", "isTest", "receivedAt", routes, "notSent"
  FROM jsonb_to_recordset($1::jsonb)
    AS t(id text, "workspaceId" text, "apiKeyId" text, data jsonb, "sizeBytes" integer, "isTest" boolean, "receivedAt" timestamp(3), routes jsonb, "notSent" jsonb)`;

/**
 * INSERT_TRACES for a batch in which some requests carry an Idempotency-Key: their keys are
 * inserted first (ON CONFLICT DO NOTHING), and a request's traces only when its key was. A key already stored, or stored by a concurrent statement (PostgreSQL makes this
 * one wait for the other to commit), or twice in this batch, stores its request once. A separate
 * statement, so that requests without a key (nearly all) keep the plain one. Returns the batch
 * indexes of the requests whose key was stored.
 */
async function insertTracesOnce(payloads: string[], keys: IdempotencyRow[]): Promise<Set<number>> {
  const rows = await driver.query<{ request: number }>(INSERT_TRACES_ONCE, [`[${payloads.join(",")}]`, JSON.stringify(keys)], "tracecast_insert_traces_once");
  return new Set(rows.map((r) => r.request));
}

const INSERT_TRACES_ONCE = `
  WITH keys AS (
    INSERT INTO "IdempotencyKey" ("apiKeyId", key, "bodyHash", status, answer, "createdAt")
    SELECT "apiKeyId", key, "bodyHash", status, answer, "createdAt"
    FROM jsonb_to_recordset($2::jsonb)
      AS k("apiKeyId" text, key text, "bodyHash" text, status integer, answer jsonb, "createdAt" timestamp(3))
    ON CONFLICT ("apiKeyId", key) DO NOTHING
    RETURNING "apiKeyId", key
  ),
  stored_requests AS (
    SELECT k.request
    FROM jsonb_to_recordset($2::jsonb) AS k(request integer, "apiKeyId" text, key text)
    JOIN keys USING ("apiKeyId", key)
  ),
  traces AS (
    INSERT INTO "TracePayload" (id, "workspaceId", "apiKeyId", data, "sizeBytes", "isTest", "receivedAt", routes, "notSent")
    SELECT id, "workspaceId", "apiKeyId", data, "sizeBytes", "isTest", "receivedAt", routes, "notSent"
    FROM jsonb_to_recordset($1::jsonb)
      AS t(id text, "workspaceId" text, "apiKeyId" text, data jsonb, "sizeBytes" integer, "isTest" boolean, "receivedAt" timestamp(3), routes jsonb, "notSent" jsonb, request integer)
    WHERE t.request NOT IN (SELECT (k->>'request')::integer FROM jsonb_array_elements($2::jsonb) AS k)
       OR t.request IN (SELECT request FROM stored_requests)
  )
  SELECT request FROM stored_requests`;

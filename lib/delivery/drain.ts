// drainDestination: deliver a destination's due rows, batch by batch, and record each outcome.
// The only place credentials are decrypted for delivery. Inline and Inngest dispatchers both call it.
import { driver, prisma } from "@/lib/db";
import { limitsOf, packBatches } from "@/lib/destinations/batching";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverTraces } from "@/lib/destinations/http";
import { getDefinition } from "@/lib/destinations/registry";
import { resolveConfig } from "@/lib/destinations/stored-config";
import type { DestinationDefinition, OutboundTrace } from "@/lib/destinations/types";
import { shapeTrace, traceShapingOf, type TraceShaping } from "@/lib/traces/shape";
import type { Trace } from "@/lib/traces/schema";
import { nextAttempt } from "./backoff";
import { recordFailure, recordSuccess } from "./health";
import { circuitDelayMs, closeCircuit, openCircuit, takeProbe } from "./circuit";
import { claimDue, recordDelivered, recordFailed, recordRetry, releaseClaim, renewClaim, type Claim, type ClaimedDelivery } from "./outbox";
import { deliverySettings } from "./settings";

export type DrainResult = {
  delivered: number;
  retrying: number;
  failed: number;
  /** True when the drain hit maxBatches with rows possibly still due (the caller should drain again). */
  more: boolean;
  /** Why the drain stopped early, when it did (destination paused, failing, missing…). */
  stopped?: string;
};

/** Short, single-line error text for the delivery log. */
function describe(error: DeliveryError): string {
  const body = error.responseBody?.replace(/\s+/g, " ").trim().slice(0, 500);
  return body ? `${error.message}: ${body}` : error.message;
}

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  return new DeliveryError("config", err instanceof Error ? err.message : String(err), { retryable: false, cause: err });
}

/**
 * When the row's retry window starts: when it was queued, or when the destination last resumed
 * delivering if that is later (a row held through a long pause gets a full window after Resume).
 */
function queuedAt(row: ClaimedDelivery, resumedAt: Date | null): Date {
  return resumedAt && resumedAt > row.createdAt ? resumedAt : row.createdAt;
}

/** Rows that failed with `error`: retried after their backoff when it is retryable and the window allows, failed otherwise. */
async function settleFailed(rows: ClaimedDelivery[], token: string, error: DeliveryError, now: Date, resumedAt: Date | null, result: DrainResult) {
  const message = describe(error);
  if (!error.retryable) {
    await recordFailed(rows.map((r) => r.id), token, { status: error.status ?? null, error: message });
    result.failed += rows.length;
    return;
  }
  for (const row of rows) {
    const decision = nextAttempt({ attempts: row.attempts, queuedAt: queuedAt(row, resumedAt), now, retryWindowMs: deliverySettings.retryWindowMs(), retryAfterMs: error.retryAfterMs });
    if (decision.retry) {
      await recordRetry(row.id, token, { at: decision.at, status: error.status ?? null, error: message });
      result.retrying++;
    } else {
      await recordFailed([row.id], token, { status: error.status ?? null, error: `${message} (${decision.reason})` });
      result.failed++;
    }
  }
}

type Loaded = { row: ClaimedDelivery; trace: OutboundTrace; size: number };

// Straight to the driver, prepared, like the outcome statements (outbox.ts).
export const LOAD_PAYLOADS = `SELECT id, data, "sizeBytes" FROM "TracePayload" WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`;

type Payload = { id: string; data: unknown; sizeBytes: number };

/**
 * Payloads recently loaded by this process's drains, by trace id, at most PAYLOAD_CACHE_BYTES of
 * stored size (the oldest go first). A trace routed to several destinations is drained by each at
 * about the same time: the later ones take it from here instead of reading and parsing its JSON
 * again. Stored payloads are never changed, and nothing here is modified: privacy mode and the
 * encoders build new objects. A payload deleted meanwhile took its delivery rows with it, so a
 * cached one is never sent for it.
 */
const PAYLOAD_CACHE_BYTES = 8 * 2 ** 20;
const payloadCache = new Map<string, Payload>();
let payloadCacheBytes = 0;

function cachePayload(payload: Payload): void {
  if (payloadCache.has(payload.id)) return;
  payloadCache.set(payload.id, payload);
  payloadCacheBytes += payload.sizeBytes;
  for (const [id, oldest] of payloadCache) {
    if (payloadCacheBytes <= PAYLOAD_CACHE_BYTES) break;
    payloadCache.delete(id);
    payloadCacheBytes -= oldest.sizeBytes;
  }
}

async function loadTraces(rows: ClaimedDelivery[], shaping: TraceShaping): Promise<Loaded[]> {
  const byId = new Map<string, Payload>();
  const missing: string[] = [];
  for (const { traceId } of rows) {
    const cached = payloadCache.get(traceId);
    if (cached) byId.set(traceId, cached);
    else missing.push(traceId);
  }
  if (missing.length > 0) {
    for (const payload of await driver.query<Payload>(LOAD_PAYLOADS, [JSON.stringify(missing)], "tracecast_load_payloads")) {
      byId.set(payload.id, payload);
      cachePayload(payload);
    }
  }
  return rows.flatMap((row) => {
    const payload = byId.get(row.traceId);
    if (!payload) return []; // deleted by retention while queued: its delivery row went with it
    const trace = payload.data as unknown as Trace;
    const shaped = shapeTrace(trace, shaping);
    return [{ row, trace: { ...shaped, sampling_rate: row.samplingRate, delivery_id: row.id }, size: payload.sizeBytes }];
  });
}

type Prepared = {
  version: number;
  /** Destination.resumedAt: rows queued before it count their retry window from it. */
  resumedAt: Date | null;
  /** The destination's circuit (circuit.ts), read fresh on every call. */
  circuitOpenUntil: Date | null;
  shaping: TraceShaping;
  def: DestinationDefinition;
  config?: Record<string, unknown>;
  configError?: DeliveryError;
};

type DestinationState = TraceShaping & {
  id: string;
  type: string;
  version: number;
  privacyMode: boolean;
  enabled: boolean;
  status: string;
  deleted: boolean;
  broadcastEnabled: boolean;
  resumedAt: Date | null;
  circuitOpenUntil: Date | null;
  config: unknown;
  secrets: string | null;
};

// Read before every claim, so on the driver like the batch's other statements. `AT TIME ZONE 'UTC'`:
// the columns hold UTC wall-clock values, which node-postgres would read in the process's zone.
const DESTINATION_STATE = `
  SELECT d.id, d.type, d.version, d."privacyMode", d."broadcastGenerationCost", d."broadcastGenerationIdentity", d."broadcastGenerationRequestContext", d.enabled, d.status::text AS status, d."deletedAt" IS NOT NULL AS deleted,
         w."broadcastEnabled", d."resumedAt" AT TIME ZONE 'UTC' AS "resumedAt",
         d."circuitOpenUntil" AT TIME ZONE 'UTC' AS "circuitOpenUntil", d.config, d.secrets
    FROM "Destination" d JOIN "Workspace" w ON w.id = d."workspaceId"
   WHERE d.id = $1`;

/** The destination ready to deliver to (config decrypted once per version), or why it is not deliverable. */
async function prepare(destinationId: string, previous: Prepared | undefined): Promise<Prepared | string> {
  const [row] = await driver.query<DestinationState>(DESTINATION_STATE, [destinationId], "tracecast_destination_state");
  if (!row || row.deleted) return "destination deleted";
  if (!row.broadcastEnabled) return "broadcast is off for the workspace";
  if (!row.enabled) return "destination disabled";
  if (row.status !== "active") return `destination ${row.status}`;
  // resumedAt and the circuit are read anew: turning broadcast back on sets resumedAt, and the
  // circuit changes, without a new version.
  const { resumedAt, circuitOpenUntil } = row;
  if (previous && previous.version === row.version) return { ...previous, resumedAt, circuitOpenUntil };
  const def = getDefinition(row.type) as DestinationDefinition | undefined;
  if (!def) return `unknown destination type "${row.type}"`;
  try {
    return { version: row.version, resumedAt, circuitOpenUntil, shaping: traceShapingOf(row), def, config: resolveConfig(def, row) };
  } catch (err) {
    // Retryable: the fix (editing the destination, restoring a key to TRACECAST_KEYS) is outside
    // the traces, and the queued rows should be delivered once it is made.
    const configError = new DeliveryError("config", `The destination's configuration cannot be used: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err });
    return { version: row.version, resumedAt, circuitOpenUntil, shaping: traceShapingOf(row), def, configError };
  }
}

/** One drainDestination call: what its lanes share. */
type DrainRun = {
  destinationId: string;
  clock: () => Date;
  leaseMs: number;
  signal?: AbortSignal;
  result: DrainResult;
  /** Claims made so far, across lanes, and the most allowed. */
  batches: number;
  maxBatches: number;
  /** The destination as last read (config decrypted once per version), shared by the lanes. */
  destination?: Prepared;
  /** Set by the first lane that must stop: the others claim nothing more. */
  stopped?: string;
};

/**
 * Delivers due rows of one destination, up to `maxBatches` claims (default: until a claim comes
 * back short of the destination's maxBatch, i.e. it took every row that was due). Rows stored while
 * it delivers are not chased one claim at a time: each comes with its own kick (and an Inngest
 * debounce or the inline dispatcher's KICK_COALESCE_MS batches them). Chasing them gave requests of
 * 5–8 traces at 100 traces/s, each paying a claim and its bookkeeping (bench/load.bench.mts).
 * Once a claim comes back full (a backlog), up to TRACECAST_DRAIN_LANES claims are in progress at
 * once: one lane's rows are being encoded and sent while another's are claimed, loaded and
 * recorded, so the database and the platform are not waited on in turn. The claims are disjoint
 * (FOR UPDATE SKIP LOCKED), each under its own lease. The first claim goes alone: it is the
 * circuit's probe when the circuit is half-open.
 * Stops early when the destination is not deliverable (deleted, disabled, paused, broadcast off),
 * while its circuit is open, or after a retryable failure (which opens the circuit: circuit.ts).
 * `now` is the clock (tests move it instead of waiting).
 */
export async function drainDestination(
  destinationId: string,
  opts: { maxBatches?: number; signal?: AbortSignal; now?: () => Date } = {},
): Promise<DrainResult> {
  const run: DrainRun = {
    destinationId,
    clock: opts.now ?? (() => new Date()),
    leaseMs: deliverySettings.leaseMs(),
    signal: opts.signal,
    result: { delivered: 0, retrying: 0, failed: 0, more: false },
    batches: 0,
    maxBatches: opts.maxBatches ?? Number.POSITIVE_INFINITY,
  };
  const width = deliverySettings.drainLanes();
  const lanes: Promise<void>[] = [];
  const lane = async () => {
    while (!run.stopped) {
      if (run.batches >= run.maxBatches) {
        run.result.more = true;
        return;
      }
      run.batches++;
      if (!(await drainBatch(run))) return;
      // A full claim: there is a backlog, open the other lanes.
      while (lanes.length < width) lanes.push(lane());
    }
  };
  lanes.push(lane());
  // Lanes are added while the first ones run.
  for (let i = 0; i < lanes.length; i++) await lanes[i];
  return run.stopped ? { ...run.result, more: false, stopped: run.stopped } : run.result;
}

/** Claims, sends and records one batch; true when the claim was full (more rows may be due). */
async function drainBatch(run: DrainRun): Promise<boolean> {
  const { destinationId, clock, leaseMs, result } = run;
  const stop = (reason: string) => {
    run.stopped ??= reason;
    return false;
  };
  if (run.signal?.aborted) return stop("cancelled");
  // Re-read before every claim: a pause, a disable or a config change made during a long drain
  // takes effect at the next batch.
  const state = await prepare(destinationId, run.destination);
  if (typeof state === "string") return stop(state);
  run.destination = state;
  const { def, circuitOpenUntil } = state;
  const now = clock();
  let probing = false;
  if (circuitOpenUntil) {
    if (circuitOpenUntil > now) return stop(`circuit open until ${circuitOpenUntil.toISOString()}`);
    if (!(await takeProbe(destinationId, now, new Date(now.getTime() + leaseMs)))) return stop("another drain is probing the destination");
    probing = true;
  }
  const claim = await claimDue(destinationId, def.maxBatch, now, leaseMs, { backedOff: probing });
  if (claim.rows.length === 0) {
    // Nothing to probe with: the next trace goes out as usual and tells.
    if (probing) await closeCircuit(destinationId, now);
    return false;
  }
  // Renewed while the batch is being sent, so a short lease only expires when the drain is gone.
  const renewal = setInterval(() => {
    renewClaim(claim, clock(), leaseMs).catch((err: unknown) => console.error(`[delivery] could not renew the lease of destination ${destinationId}`, err));
  }, leaseMs / 3);
  let stopped: string | undefined;
  try {
    stopped = await deliverClaim(destinationId, state, claim, result, clock, run.signal, () => run.stopped !== undefined);
  } finally {
    clearInterval(renewal);
  }
  if (stopped) return stop(stopped);
  if (probing) await closeCircuit(destinationId, clock());
  return claim.rows.length >= def.maxBatch;
}

/** Sends a claim's rows, group by group, and records each outcome; returns why the drain must stop, if it must. */
async function deliverClaim(
  destinationId: string,
  { def, config, configError, shaping, resumedAt }: Prepared,
  claim: Claim,
  result: DrainResult,
  clock: () => Date,
  signal: AbortSignal | undefined,
  /** True when another lane of the drain stopped it. */
  halted: () => boolean,
): Promise<string | undefined> {
  const loaded = await loadTraces(claim.rows, shaping);
  let stop: string | undefined;
  for (const group of packBatches(loaded, limitsOf(def), (g) => g.size).batches) {
    if (stop || signal?.aborted || halted()) {
      // Not attempted: give the rows back as they were.
      await releaseClaim(group.map((g) => g.row.id), claim.token);
      continue;
    }
    const started = performance.now();
    try {
      if (configError) throw configError;
      const outcome = await deliverTraces(def, group.map((g) => g.trace), config!, { signal });
      const at = clock();
      const delivered = group.filter((g) => !outcome.failed.has(g.row.id)).map((g) => g.row.id);
      if (delivered.length > 0) {
        await recordDelivered(delivered, claim.token, { at, latencyMs: Math.round(performance.now() - started), status: outcome.results.at(-1)?.status ?? null });
        await recordSuccess(destinationId, at);
        result.delivered += delivered.length;
      }
      // Traces singled out (refused, unencodable): each settles alone; the platform is fine.
      for (const g of group) {
        const error = outcome.failed.get(g.row.id);
        if (error) await settleFailed([g.row], claim.token, error, at, resumedAt, result);
      }
    } catch (err) {
      const error = asDeliveryError(err);
      const now = clock();
      await settleFailed(group.map((g) => g.row), claim.token, error, now, resumedAt, result);
      const { autoPaused, consecutiveFailures } = await recordFailure(destinationId, describe(error), now);
      if (error.retryable) {
        // The platform is struggling: nothing more goes to it until the circuit half-opens.
        await openCircuit(destinationId, new Date(now.getTime() + circuitDelayMs(consecutiveFailures, error.retryAfterMs)));
        stop = `retryable failure: ${error.message}`;
      }
      if (autoPaused) stop = "destination auto-paused";
    }
  }
  return stop;
}

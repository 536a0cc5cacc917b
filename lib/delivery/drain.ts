// drainDestination: deliver a destination's due exception rows (outbox.ts), then its log (log.ts),
// batch by batch, and record each outcome: one DeliveryAttempt row per request (attempts.ts).
// The only place credentials are decrypted for delivery. Inline and Inngest dispatchers both call it.
import { driver, prisma } from "@/lib/db";
import { limitsOf, packBatches } from "@/lib/destinations/batching";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverTraces, type BatchOutcome } from "@/lib/destinations/http";
import { getDefinition } from "@/lib/destinations/registry";
import { resolveConfig } from "@/lib/broadcast/stored-config";
import type { DestinationDefinition, OutboundTrace } from "@/lib/destinations/types";
import { shapeTrace, traceShapingOf, type TraceShaping } from "@/lib/traces/shape";
import type { Trace } from "@/lib/traces/schema";
import { nextAttempt } from "./backoff";
import { recordFailure, recordSuccess } from "./health";
import { circuitDelayMs, closeCircuit, openCircuit, takeProbe } from "./circuit";
import { recordAttempt } from "./attempts";
import { advanceCursor, logDeliveryId, readLog, releaseLogLease, renewLogLease, takeLogLease, type LogEntry, type LogPosition, type LogRange } from "./log";
import {
  claimDue,
  insertExceptions,
  recordDelivered,
  recordFailed,
  recordRetry,
  releaseClaim,
  renewClaim,
  type Claim,
  type ClaimedDelivery,
  type ExceptionRow,
} from "./outbox";
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

/** What a drain sends for one trace: an exception row (`row`) or a log entry (`entry`). */
type Sendable = { traceId: string; deliveryId: string; samplingRate: number };
type Loaded<T extends Sendable> = { item: T; trace: OutboundTrace; size: number };

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

/**
 * Loads of payloads under way, by trace id: destinations kicked by the same ingest request read the
 * same range of the log at the same moment, and the later ones wait for the first one's read
 * instead of reading the same payloads again (settled: undefined when the trace is gone).
 */
const payloadLoads = new Map<string, Promise<Payload | undefined>>();

async function loadPayloads(ids: string[]): Promise<Map<string, Payload>> {
  const byId = new Map<string, Payload>();
  const waiting: [string, Promise<Payload | undefined>][] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const cached = payloadCache.get(id);
    const loading = cached ? undefined : payloadLoads.get(id);
    if (cached) byId.set(id, cached);
    else if (loading) waiting.push([id, loading]);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const read = driver.query<Payload>(LOAD_PAYLOADS, [JSON.stringify(missing)], "tracecast_load_payloads").then((rows) => {
      const found = new Map(rows.map((p) => [p.id, p]));
      for (const payload of rows) cachePayload(payload);
      return found;
    });
    for (const id of missing) {
      const one = read.then((found) => found.get(id));
      // A failed read fails the drains waiting on it too; each drains again at its next kick or sweep.
      one.catch(() => undefined).finally(() => payloadLoads.delete(id));
      payloadLoads.set(id, one);
      waiting.push([id, one]);
    }
  }
  for (const [id, loading] of waiting) {
    const payload = await loading;
    if (payload) byId.set(id, payload);
  }
  return byId;
}

/** The stored traces of `rows`, shaped for the destination as delivery sends them (privacy mode, metadata switches). */
export async function loadTraces<T extends Sendable>(rows: T[], shaping: TraceShaping): Promise<Loaded<T>[]> {
  const byId = await loadPayloads(rows.map((r) => r.traceId));
  return rows.flatMap((row) => {
    const payload = byId.get(row.traceId);
    if (!payload) return []; // deleted by retention while queued: its delivery row went with it
    const trace = payload.data as unknown as Trace;
    const shaped = shapeTrace(trace, shaping);
    return [{ item: row, trace: { ...shaped, sampling_rate: row.samplingRate, delivery_id: row.deliveryId }, size: payload.sizeBytes }];
  });
}

type Prepared = {
  workspaceId: string;
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
  workspaceId: string;
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
  SELECT d.id, d."workspaceId", d.type, d.version, d."privacyMode", d."broadcastGenerationCost", d."broadcastGenerationIdentity", d."broadcastGenerationRequestContext", d.enabled, d.status::text AS status, d."deletedAt" IS NOT NULL AS deleted,
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
  const { resumedAt, circuitOpenUntil, workspaceId } = row;
  if (previous && previous.version === row.version) return { ...previous, resumedAt, circuitOpenUntil };
  const encoding = encodingOf(row);
  if (typeof encoding === "string") return encoding;
  return { workspaceId, version: row.version, resumedAt, circuitOpenUntil, ...encoding };
}

/** What delivery encodes a destination's traces with: its definition, config (decrypted) and shaping. */
export type EncodingSetup = Pick<Prepared, "shaping" | "def" | "config" | "configError">;

function encodingOf(row: DestinationState): EncodingSetup | string {
  const def = getDefinition(row.type) as DestinationDefinition | undefined;
  if (!def) return `unknown destination type "${row.type}"`;
  try {
    return { shaping: traceShapingOf(row), def, config: resolveConfig(def, row) };
  } catch (err) {
    // Retryable: the fix (editing the destination, restoring a key to TRACECAST_KEYS) is outside
    // the traces, and the queued rows should be delivered once it is made.
    const configError = new DeliveryError("config", `The destination's configuration cannot be used: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err });
    return { shaping: traceShapingOf(row), def, configError };
  }
}

/**
 * The destination's encoding as its next delivery would use it, whether or not it is deliverable
 * now (paused, disabled, broadcast off): what the delivery detail re-encodes a trace with.
 */
export async function encodingSetupOf(destinationId: string): Promise<EncodingSetup | string> {
  const [row] = await driver.query<DestinationState>(DESTINATION_STATE, [destinationId], "tracecast_destination_state");
  if (!row || row.deleted) return "destination deleted";
  return encodingOf(row);
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
  /** Exception claims made in this pass (at most EXCEPTION_CLAIMS_PER_PASS before the log's turn), and whether one was left unclaimed. */
  exceptionClaims: number;
  exceptionsLeft?: boolean;
  /** The destination as last read (config decrypted once per version), shared by the lanes. */
  destination?: Prepared;
  /** Set by the first lane that must stop: the others claim nothing more. */
  stopped?: string;
  /** The half-open circuit's probe was taken and no exception row was due: the log's first request is the probe. */
  probing?: boolean;
};

/**
 * Exception claims one pass makes before the log's turn. A replay queues up to 50,000 rows: taken
 * all before the log, they held every trace arriving meanwhile for the whole replay (100 s at the
 * bench's sizes) while the log's backlog grew behind them. Passes alternate instead: this many
 * claims, then the log up to the horizon, then `more` for the next pass.
 */
export const EXCEPTION_CLAIMS_PER_PASS = 8;

/**
 * Delivers one destination's work: first its due exception rows (outbox.ts: retries, replays), up
 * to `maxBatches` claims in all and EXCEPTION_CLAIMS_PER_PASS in this pass (until a claim comes
 * back short of the destination's maxBatch, i.e. it took every row that was due), then its log
 * (log.ts) from its cursor to the horizon; `more` when exception rows were left for the next pass. Traces stored while it delivers are not chased one read at a time: each comes with its
 * own kick (and an Inngest debounce or the inline dispatcher's KICK_COALESCE_MS batches them).
 * Once an exception claim comes back full, up to TRACECAST_DRAIN_LANES claims are in progress at
 * once (disjoint: FOR UPDATE SKIP LOCKED, each under its own lease); the log is read ahead while
 * the current range is being sent. The first request goes alone: it is the circuit's probe when
 * the circuit is half-open.
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
    exceptionClaims: 0,
  };
  const width = deliverySettings.drainLanes();
  const lanes: Promise<void>[] = [];
  const lane = async () => {
    while (!run.stopped) {
      if (run.batches >= run.maxBatches) {
        run.result.more = true;
        return;
      }
      if (run.exceptionClaims >= EXCEPTION_CLAIMS_PER_PASS) {
        run.exceptionsLeft = true;
        return;
      }
      run.batches++;
      run.exceptionClaims++;
      if (!(await drainBatch(run))) return;
      // A full claim: there is a backlog, open the other lanes.
      while (lanes.length < width) lanes.push(lane());
    }
  };
  lanes.push(lane());
  // Lanes are added while the first ones run.
  for (let i = 0; i < lanes.length; i++) await lanes[i];
  if (!run.stopped && !run.result.more) await drainLog(run);
  if (run.exceptionsLeft) run.result.more = true;
  return run.stopped ? { ...run.result, more: false, stopped: run.stopped } : run.result;
}

/**
 * The destination as it stands now and whether a request may go to it: re-read before every claim
 * and every log range, so a pause, a disable or a config change made during a long drain takes
 * effect at the next batch. Takes the probe when the circuit is half-open (`run.probing`).
 */
async function admit(run: DrainRun): Promise<Prepared | undefined> {
  const stop = (reason: string) => {
    run.stopped ??= reason;
    return undefined;
  };
  if (run.signal?.aborted) return stop("cancelled");
  const state = await prepare(run.destinationId, run.destination);
  if (typeof state === "string") return stop(state);
  run.destination = state;
  const now = run.clock();
  if (state.circuitOpenUntil && !run.probing) {
    if (state.circuitOpenUntil > now) return stop(`circuit open until ${state.circuitOpenUntil.toISOString()}`);
    if (!(await takeProbe(run.destinationId, now, new Date(now.getTime() + run.leaseMs)))) return stop("another drain is probing the destination");
    run.probing = true;
  }
  return state;
}

/** Claims, sends and records one batch of exception rows; true when the claim was full (more rows may be due). */
async function drainBatch(run: DrainRun): Promise<boolean> {
  const { destinationId, clock, leaseMs, result } = run;
  const state = await admit(run);
  if (!state) return false;
  const probing = run.probing === true;
  const claim = await claimDue(destinationId, state.def.maxBatch, clock(), leaseMs, { backedOff: probing });
  // Nothing to probe with: the log's first request is the probe (drainLog).
  if (claim.rows.length === 0) return false;
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
  if (stopped) {
    run.stopped ??= stopped;
    return false;
  }
  if (probing) {
    await closeCircuit(destinationId, clock());
    run.probing = false;
  }
  return claim.rows.length >= state.def.maxBatch;
}

/** The answer's status and a one-line summary of the traces the platform refused, for the attempt row. */
function attemptOutcome(outcome: BatchOutcome): { httpStatus: number | null; error: string | null } {
  const [first] = outcome.failed.values();
  return {
    httpStatus: outcome.results.at(-1)?.status ?? null,
    error: first ? `${outcome.failed.size} of the traces not delivered: ${describe(first)}` : null,
  };
}

/** Sends a claim's rows, group by group, and records each outcome; returns why the drain must stop, if it must. */
async function deliverClaim(
  destinationId: string,
  { def, config, configError, shaping, resumedAt, workspaceId }: Prepared,
  claim: Claim,
  result: DrainResult,
  clock: () => Date,
  signal: AbortSignal | undefined,
  /** True when another lane of the drain stopped it. */
  halted: () => boolean,
): Promise<string | undefined> {
  const loaded = await loadTraces(
    claim.rows.map((row) => ({ ...row, deliveryId: row.id })),
    shaping,
  );
  let stop: string | undefined;
  for (const group of packBatches(loaded, limitsOf(def), (g) => g.size).batches) {
    const rows = group.map((g) => g.item);
    if (stop || signal?.aborted || halted()) {
      // Not attempted: give the rows back as they were.
      await releaseClaim(rows.map((r) => r.id), claim.token);
      continue;
    }
    const started = performance.now();
    const attempt = { destinationId, workspaceId, traces: rows.length, deliveryIds: rows.map((r) => r.id) };
    const failedBefore = result.failed;
    try {
      if (configError) throw configError;
      const outcome = await deliverTraces(def, group.map((g) => g.trace), config!, { signal });
      const at = clock();
      const latencyMs = Math.round(performance.now() - started);
      const delivered = rows.filter((r) => !outcome.failed.has(r.id));
      if (delivered.length > 0) {
        await recordDelivered(delivered.map((r) => r.id), claim.token, { at, latencyMs, status: outcome.results.at(-1)?.status ?? null });
        await recordSuccess(destinationId, at);
        result.delivered += delivered.length;
      }
      // Traces singled out (refused, unencodable): each settles alone; the platform is fine.
      for (const row of rows) {
        const error = outcome.failed.get(row.id);
        if (error) await settleFailed([row], claim.token, error, at, resumedAt, result);
      }
      const settled = { delivered: delivered.length, failed: result.failed - failedBefore, latenciesMs: delivered.map((r) => at.getTime() - r.createdAt.getTime()) };
      await recordAttempt({ ...attempt, at, ok: true, latencyMs, ...attemptOutcome(outcome), nextAttemptAt: null, settled });
    } catch (err) {
      const error = asDeliveryError(err);
      const now = clock();
      await settleFailed(rows, claim.token, error, now, resumedAt, result);
      const { autoPaused, consecutiveFailures } = await recordFailure(destinationId, describe(error), now);
      let nextAttemptAt: Date | null = null;
      if (error.retryable) {
        // The platform is struggling: nothing more goes to it until the circuit half-opens.
        nextAttemptAt = new Date(now.getTime() + circuitDelayMs(consecutiveFailures, error.retryAfterMs));
        await openCircuit(destinationId, nextAttemptAt);
        stop = `retryable failure: ${error.message}`;
      }
      if (autoPaused) stop = "destination auto-paused";
      const settled = { delivered: 0, failed: result.failed - failedBefore, latenciesMs: [] };
      await recordAttempt({ ...attempt, at: now, ok: false, httpStatus: error.status ?? null, latencyMs: Math.round(performance.now() - started), error: describe(error), nextAttemptAt, settled });
    }
  }
  return stop;
}

// ───────────── the log ─────────────

type LogItem = LogEntry & Sendable;

/**
 * Delivers the destination's log from its cursor to the horizon, range by range, under the log
 * lease (log.ts): the next range is read while the current one is being sent, and the cursor moves
 * in order, only after the traces before it are delivered or made exception rows.
 */
async function drainLog(run: DrainRun): Promise<void> {
  const { destinationId, clock, leaseMs } = run;
  let state = await admit(run);
  if (!state) return;
  const lease = await takeLogLease(destinationId, clock(), leaseMs);
  if (!lease) {
    // Another drain (here or in another process) is reading the log. If the probe was ours, it
    // goes back: that drain's next request tells.
    if (run.probing) await closeCircuit(destinationId, clock());
    return;
  }
  const renewal = setInterval(() => {
    renewLogLease(destinationId, lease.token, new Date(clock().getTime() + leaseMs)).catch((err: unknown) =>
      console.error(`[delivery] could not renew the log lease of destination ${destinationId}`, err),
    );
  }, leaseMs / 3);
  const read = (after: LogPosition) => readLog(state!.workspaceId, destinationId, after, state!.def.maxBatch);
  let ahead: Promise<LogRange> | undefined = read(lease.cursor);
  try {
    let cursor = lease.cursor;
    while (ahead) {
      const range: LogRange = await ahead;
      ahead = undefined;
      if (range.entries.length === 0) {
        // Nothing routed here up to the horizon: skip what the log holds for others.
        if (range.end !== cursor) await advanceCursor(destinationId, lease.token, range.end, null);
        if (run.probing) await closeCircuit(destinationId, clock());
        run.probing = false;
        return;
      }
      if (run.batches >= run.maxBatches) {
        run.result.more = true;
        return;
      }
      run.batches++;
      if (range.full) ahead = read(range.end);
      const probing = run.probing === true;
      const stopped = await deliverRange(run, state, lease.token, range);
      if (stopped) {
        run.stopped ??= stopped;
        return;
      }
      if (probing) {
        await closeCircuit(destinationId, clock());
        run.probing = false;
      }
      cursor = range.end;
      if (ahead) {
        state = await admit(run);
        if (!state) return;
      }
    }
  } finally {
    clearInterval(renewal);
    // The read ahead of a drain that stopped is not used; its failure is not this drain's.
    ahead?.catch(() => undefined);
    await releaseLogLease(destinationId, lease.token);
  }
}

/** Where the retry window of a log trace starts: received, or the destination's last resume if later. */
const logQueuedAt = (entry: LogEntry, resumedAt: Date | null) => (resumedAt && resumedAt > entry.receivedAt ? resumedAt : entry.receivedAt);

/** Exception rows for log traces that failed with `error` (pending after their backoff, or failed); counted in `result`. */
function exceptionsFor(items: LogItem[], destinationId: string, workspaceId: string, error: DeliveryError, at: Date, resumedAt: Date | null, result: DrainResult): ExceptionRow[] {
  const message = describe(error);
  return items.map((item) => {
    const decision = error.retryable
      ? nextAttempt({ attempts: 1, queuedAt: logQueuedAt(item, resumedAt), now: at, retryWindowMs: deliverySettings.retryWindowMs(), retryAfterMs: error.retryAfterMs })
      : ({ retry: false, reason: "" } as const);
    if (decision.retry) result.retrying++;
    else result.failed++;
    return {
      id: item.deliveryId,
      traceId: item.traceId,
      destinationId,
      workspaceId,
      status: decision.retry ? "pending" : "failed",
      nextAttemptAt: decision.retry ? decision.at : at,
      samplingRate: item.samplingRate,
      queuedAt: item.receivedAt,
      lastStatus: error.status ?? null,
      lastError: decision.retry || !decision.reason ? message : `${message} (${decision.reason})`,
      at,
    };
  });
}

/**
 * Sends one range of the log, group by group (each request with its own timeout), and moves the
 * cursor past each group once it is settled:
 * - delivered: the cursor moves; traces the platform refused or that cannot be encoded become
 *   exception rows (pending after a backoff, or failed), so the rest of the log goes on;
 * - not retryable (the request itself was refused): the group's traces become failed rows, the cursor moves;
 * - retryable: the cursor stays and the circuit opens (circuit.ts), except over traces whose retry
 *   window is over, which become failed rows.
 * Returns why the drain must stop, if it must.
 */
async function deliverRange(run: DrainRun, state: Prepared, token: string, range: LogRange): Promise<string | undefined> {
  const { destinationId, clock, result, signal } = run;
  const { def, config, configError, shaping, resumedAt, workspaceId } = state;
  const items: LogItem[] = range.entries.map((entry) => ({ ...entry, deliveryId: logDeliveryId(entry.traceId, destinationId) }));
  const loaded = await loadTraces(items, shaping);
  const groups = packBatches(loaded, limitsOf(def), (g) => g.size).batches;
  // Where the cursor goes once group i is settled: its last trace, and the range's end after the
  // last group (past traces retention deleted meanwhile, and past the others' routes).
  const endOf = (i: number): LogPosition => (i === groups.length - 1 ? range.end : groups[i].at(-1)!.item);
  const advance = async (to: LogPosition, deliveredAt: Date | null) => {
    if (!(await advanceCursor(destinationId, token, to, deliveredAt))) return "the log lease was lost (another drain took over)";
  };
  if (groups.length === 0) return advance(range.end, null);
  for (const [i, group] of groups.entries()) {
    if (signal?.aborted) return "cancelled";
    const rows = group.map((g) => g.item);
    const started = performance.now();
    const attempt = { destinationId, workspaceId, traces: rows.length, range: { from: rows[0], to: rows.at(-1)! } };
    const failedBefore = result.failed;
    const failedNow = () => ({ delivered: 0, failed: result.failed - failedBefore, latenciesMs: [] });
    try {
      if (configError) throw configError;
      const outcome = await deliverTraces(def, group.map((g) => g.trace), config!, { signal });
      const at = clock();
      const latencyMs = Math.round(performance.now() - started);
      const refused = rows.filter((r) => outcome.failed.has(r.deliveryId));
      for (const row of refused) await insertExceptions(exceptionsFor([row], destinationId, workspaceId, outcome.failed.get(row.deliveryId)!, at, resumedAt, result));
      const delivered = rows.filter((r) => !outcome.failed.has(r.deliveryId));
      const settled = { delivered: delivered.length, failed: result.failed - failedBefore, latenciesMs: delivered.map((r) => at.getTime() - r.receivedAt.getTime()) };
      await recordAttempt({ ...attempt, at, ok: true, latencyMs, ...attemptOutcome(outcome), nextAttemptAt: null, settled });
      const lost = await advance(endOf(i), refused.length < rows.length ? at : null);
      if (lost) return lost;
      result.delivered += rows.length - refused.length;
    } catch (err) {
      const error = asDeliveryError(err);
      const now = clock();
      const latencyMs = Math.round(performance.now() - started);
      const { autoPaused, consecutiveFailures } = await recordFailure(destinationId, describe(error), now);
      if (!error.retryable) {
        await insertExceptions(exceptionsFor(rows, destinationId, workspaceId, error, now, resumedAt, result));
        await recordAttempt({ ...attempt, at: now, ok: false, httpStatus: error.status ?? null, latencyMs, error: describe(error), nextAttemptAt: null, settled: failedNow() });
        const lost = await advance(endOf(i), null);
        if (lost) return lost;
        if (autoPaused) return "destination auto-paused";
        continue;
      }
      // The platform is struggling: nothing more goes to it until the circuit half-opens.
      const nextAttemptAt = new Date(now.getTime() + circuitDelayMs(consecutiveFailures, error.retryAfterMs));
      await openCircuit(destinationId, nextAttemptAt);
      // The traces at the head of the group whose retry window is over (or would be by the
      // platform's Retry-After) fail; the cursor moves past them, the others wait for the circuit.
      const expired: LogItem[] = [];
      for (const row of rows) {
        const decision = nextAttempt({ attempts: 1, queuedAt: logQueuedAt(row, resumedAt), now, retryWindowMs: deliverySettings.retryWindowMs(), retryAfterMs: error.retryAfterMs });
        if (decision.retry) break;
        expired.push(row);
      }
      const failures = expired.length > 0 ? exceptionsFor(expired, destinationId, workspaceId, error, now, resumedAt, result) : [];
      await recordAttempt({ ...attempt, at: now, ok: false, httpStatus: error.status ?? null, latencyMs, error: describe(error), nextAttemptAt, settled: failedNow() });
      if (expired.length > 0) {
        await insertExceptions(failures);
        const lost = await advance(expired.length === rows.length ? endOf(i) : expired.at(-1)!, null);
        if (lost) return lost;
      }
      result.retrying += rows.length - expired.length;
      return autoPaused ? "destination auto-paused" : `retryable failure: ${error.message}`;
    }
  }
  return undefined;
}

// Who runs drains, chosen by TRACECAST_DISPATCHER:
// - inline  (embedded default): in this process. One drain per destination at a time (an
//           in-memory lock), looping while work is due; kicks that arrive during a drain are
//           served KICK_COALESCE_MS after it, together; a sweeper every 5 s picks up due retries,
//           expired leases, auto-pause and (every 10 min) retention.
// - inngest: an event `tracecast/destination.pending` {destinationId} per destination; the
//           `drain-destination` function (concurrency 1 per destination) drains. Events carry ids
//           only, never trace content.
// - none:    nothing; tests call drainDestination themselves.
// The log (traces with their routes, each destination's cursor) and the exception rows are the
// durable state either way: a lost kick only delays delivery until the next sweep.
import { DESTINATION_PENDING_EVENT, inngest } from "@/lib/inngest/client";
import { processSingleton } from "@/lib/process/singleton";
import { drainDestination } from "./drain";
import { deliverySettings } from "./settings";
import { sweep } from "./sweep";

const SWEEP_INTERVAL_MS = 5_000;
const RETENTION_INTERVAL_MS = 10 * 60_000;
/** The backlog chart's resolution is an hour: a count a minute is plenty. */
const BACKLOG_INTERVAL_MS = 60_000;
/**
 * How long kicks that arrived during a drain wait before the next drain. Under a steady stream every
 * ingest request kicks; draining again the moment a drain ends delivers a handful of traces per
 * request, each drain costing the same queries (destination, claim, payloads, outcome, health) on
 * the thread that also serves ingest. Waiting lets the traces of the window share a batch, like the
 * Inngest function's debounce, for at most this much more delivery lag; with drainDestination
 * stopping after a short claim it took 100 traces/s from 5–8 to ~25 traces per request and halved
 * ingest p50 (bench/load.bench.mts). An idle destination's first kick is still drained at once.
 */
export const KICK_COALESCE_MS = 200;

type InlineState = {
  /** destinationId → a drain is running; `again` = a kick arrived meanwhile, look once more. */
  running: Map<string, { again: boolean; done: Promise<void> }>;
  sweeper?: NodeJS.Timeout;
  lastRetentionAt: number;
  lastBacklogAt: number;
};
// One lock table and one sweeper per process, also across Next.js dev reloads.
const inline: InlineState = processSingleton("inlineDispatcher", () => ({ running: new Map(), lastRetentionAt: 0, lastBacklogAt: 0 }));

function drainInline(destinationId: string): void {
  const current = inline.running.get(destinationId);
  if (current) {
    current.again = true;
    return;
  }
  const entry = { again: true, done: Promise.resolve() };
  inline.running.set(destinationId, entry);
  entry.done = (async () => {
    try {
      while (entry.again) {
        entry.again = false;
        for (;;) {
          const result = await drainDestination(destinationId);
          if (!result.more) break;
        }
        if (entry.again) await new Promise((resolve) => setTimeout(resolve, KICK_COALESCE_MS));
      }
    } catch (err) {
      console.error(`[delivery] drain of destination ${destinationId} failed`, err);
    } finally {
      inline.running.delete(destinationId);
    }
  })();
}

/** Resolves when every inline drain running now (and those they chain into) has finished. */
export async function inlineDrainsSettled(): Promise<void> {
  while (inline.running.size) await Promise.all([...inline.running.values()].map((r) => r.done));
}

/** Asks for the destinations' due deliveries to be drained soon. Never throws: the rows are durable. */
export async function kickDestinations(destinationIds: readonly string[]): Promise<void> {
  const ids = [...new Set(destinationIds)];
  if (ids.length === 0) return;
  const mode = deliverySettings.dispatcher();
  if (mode === "none") return;
  if (mode === "inline") {
    ids.forEach(drainInline);
    return;
  }
  try {
    await inngest.send(ids.map((destinationId) => ({ name: DESTINATION_PENDING_EVENT, data: { destinationId } })));
  } catch (err) {
    console.error("[delivery] could not send drain events to Inngest; the sweep will pick the deliveries up", err);
  }
}

async function sweepInline(): Promise<void> {
  const retention = Date.now() - inline.lastRetentionAt >= RETENTION_INTERVAL_MS;
  if (retention) inline.lastRetentionAt = Date.now();
  const backlog = Date.now() - inline.lastBacklogAt >= BACKLOG_INTERVAL_MS;
  if (backlog) inline.lastBacklogAt = Date.now();
  const { due } = await sweep({ retention, backlog });
  due.forEach(drainInline);
}

/** Starts the inline sweeper once per process (instrumentation.ts); a no-op for other dispatchers. */
export function startInlineSweeper(): void {
  if (deliverySettings.dispatcher() !== "inline" || inline.sweeper) return;
  let sweeping = false;
  inline.sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepInline()
      .catch((err) => console.error("[delivery] sweep failed", err))
      .finally(() => (sweeping = false));
  }, SWEEP_INTERVAL_MS);
  inline.sweeper.unref();
}

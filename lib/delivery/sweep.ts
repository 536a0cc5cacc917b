// The periodic sweep, shared by the inline sweeper and the Inngest cron: pause destinations that
// have failed for too long, apply retention (and vacuum the embedded database after it), and find
// destinations with due work (retries whose time has come, expired leases, traces in their log) for
// the dispatcher to drain, after moving idle cursors up to the log's head (log.ts skipIdleCursors);
// and count each destination's backlog for its health chart (counters.ts).
import { autoPauseIfFailingSince } from "./health";
import { recordBacklog } from "./counters";
import { alertOnSweep } from "@/lib/alerts/hooks";
import { vacuumEmbeddedDatabase } from "./maintenance";
import { skipIdleCursors } from "./log";
import { destinationsWithDueWork } from "./outbox";
import { deleteExpiredAttempts, deleteExpiredCounters, deleteExpiredIdempotencyKeys, deleteExpiredTraces } from "./retention";

export type SweepResult = { autoPaused: number; expiredTraces: number; due: string[] };

export async function sweep(opts: { now?: Date; retention?: boolean; backlog?: boolean } = {}): Promise<SweepResult> {
  const now = opts.now ?? new Date();
  const autoPaused = await autoPauseIfFailingSince(undefined, now);
  alertOnSweep(now);
  const expiredTraces = opts.retention === false ? 0 : await deleteExpiredTraces(now);
  if (opts.retention !== false) {
    await deleteExpiredAttempts(now);
    await deleteExpiredCounters(now);
    await deleteExpiredIdempotencyKeys(now);
    await vacuumEmbeddedDatabase(now);
  }
  await skipIdleCursors(now);
  if (opts.backlog !== false) await recordBacklog(now);
  return { autoPaused, expiredTraces, due: await destinationsWithDueWork(now) };
}

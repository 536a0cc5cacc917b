// The calls lib/delivery/health.ts and the sweep make into alerts. Each only notes a destination
// id and returns at once, without a query: the evaluation (lib/alerts/evaluate.ts), its email and
// its webhook run on a queue of their own after the drain has moved on, so a slow or failing SMTP
// server or webhook never slows a delivery. Evaluations run one at a time per process.
import { evaluateAlerts, FAILING_AFTER_ATTEMPTS } from "./evaluate";
import { openAlerts } from "./open";

/** How often the sweep looks at every destination (backlog age, recoveries this process did not see). */
export const SWEEP_EVALUATION_INTERVAL_MS = 60_000;

type Queue = { due: Set<string>; scheduled: boolean; chain: Promise<void>; lastSweep: number };
const queue: Queue = ((globalThis as unknown as { __tracecastAlertQueue?: Queue }).__tracecastAlertQueue ??= {
  due: new Set(),
  scheduled: false,
  chain: Promise.resolve(),
  lastSweep: 0,
});

function enqueue(task: () => Promise<unknown>) {
  queue.chain = queue.chain.then(task).then(
    () => undefined,
    (err) => console.error("[alerts] evaluation failed", err),
  );
}

function evaluateSoon(destinationId: string) {
  queue.due.add(destinationId);
  if (queue.scheduled) return;
  queue.scheduled = true;
  // Next turn: failures and successes recorded meanwhile are evaluated together.
  setImmediate(() => {
    queue.scheduled = false;
    const destinationIds = [...queue.due];
    queue.due.clear();
    enqueue(() => evaluateAlerts({ destinationIds }));
  });
}

/** After a failed attempt: the streak reaching FAILING_AFTER_ATTEMPTS makes it failing (counted once per streak). */
export function alertAfterFailure(destinationId: string, consecutiveFailures: number): void {
  if (consecutiveFailures === FAILING_AFTER_ATTEMPTS) evaluateSoon(destinationId);
}

export function alertAfterAutoPause(destinationId: string): void {
  evaluateSoon(destinationId);
}

/** After a delivered batch: only a destination with an open alert has news (its recovery). */
export function alertAfterSuccess(destinationId: string): void {
  if (openAlerts.has(destinationId)) evaluateSoon(destinationId);
}

/** On the sweep's schedule, at most every SWEEP_EVALUATION_INTERVAL_MS: backlog ages, and whatever the hooks missed. */
export function alertOnSweep(now: Date): void {
  if (now.getTime() - queue.lastSweep < SWEEP_EVALUATION_INTERVAL_MS) return;
  queue.lastSweep = now.getTime();
  enqueue(() => evaluateAlerts({ now }));
}

/** Resolves when the evaluations queued so far are done (tests, and a server shutting down). */
export function alertsSettled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => resolve(queue.chain)));
}

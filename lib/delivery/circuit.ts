// The destination's circuit breaker, as the OpenTelemetry Collector's exporters and Svix keep one:
// - closed (circuitOpenUntil null): drains send as usual.
// - open (circuitOpenUntil in the future): a request failed in a way worth retrying (5xx, 429,
//   timeout, refused connection); no drain sends anything to the destination before then, new
//   traces included. The delay grows with the failure streak, is capped short so a platform that
//   has recovered is noticed quickly, and is never shorter than the platform's Retry-After.
// - half-open (circuitOpenUntil in the past): one drain takes the probe (the column moves to the
//   end of its lease, so other drains and processes keep off) and sends one batch, backed-off rows
//   included. Success closes the circuit and makes every backed-off row due at once, so a backlog
//   waits for the platform, not for each row's own backoff; failure opens it again.
// The state lives in the Destination row so every process draining the destination shares it.
import { prisma } from "@/lib/db";

const CIRCUIT_BASE_MS = 1_000;
/** Longest the circuit stays open without a Retry-After: how late a recovery is noticed, at most. */
export const CIRCUIT_CAP_MS = 20_000;

/** How long the circuit stays open after the `consecutiveFailures`-th failure in a row (≥ 1). */
export function circuitDelayMs(consecutiveFailures: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(CIRCUIT_CAP_MS, CIRCUIT_BASE_MS * 2 ** Math.max(0, consecutiveFailures - 1));
  // Half fixed, half jitter: processes that saw the same failure do not probe in step.
  const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : delay;
}

export async function openCircuit(destinationId: string, until: Date): Promise<void> {
  await prisma.destination.updateMany({ where: { id: destinationId }, data: { circuitOpenUntil: until } });
}

/**
 * Takes the half-open circuit's single probe: true for the one caller that moved the open-until
 * time from the past to `holdUntil` (when a prober that died is replaced).
 */
export async function takeProbe(destinationId: string, now: Date, holdUntil: Date): Promise<boolean> {
  const { count } = await prisma.destination.updateMany({
    where: { id: destinationId, circuitOpenUntil: { lte: now } },
    data: { circuitOpenUntil: holdUntil },
  });
  return count > 0;
}

/** Closes the circuit after a success; if it was open, every backed-off row of the destination is due now. */
export async function closeCircuit(destinationId: string, now: Date): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.destination.updateMany({ where: { id: destinationId, circuitOpenUntil: { not: null } }, data: { circuitOpenUntil: null } });
    if (count === 0) return;
    await tx.delivery.updateMany({ where: { destinationId, status: "pending", nextAttemptAt: { gt: now } }, data: { nextAttemptAt: now } });
  });
}

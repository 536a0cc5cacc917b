// Destination health, maintained by drains: the failure streak (consecutive failed attempts and
// since when), the last success and the last error; and the circuit breaker that pauses a
// destination that has failed without a single success for TRACECAST_AUTO_PAUSE_AFTER_MINUTES.
// Auto-paused destinations keep their pending deliveries; resuming delivers them.
import { driver, prisma } from "@/lib/db";
import { recordAudit } from "@/lib/audit";
import { invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { deliverySettings } from "./settings";
import { alertAfterAutoPause, alertAfterFailure, alertAfterSuccess } from "@/lib/alerts/hooks";

// After every delivered batch: on the driver, past Prisma's per-call query compilation (drain.ts).
const RECORD_SUCCESS = `
  UPDATE "Destination" SET "consecutiveFailures" = 0, "failingSince" = NULL, "lastSuccessAt" = $2::timestamp(3), "updatedAt" = $2::timestamp(3)
   WHERE id = $1`;

export async function recordSuccess(destinationId: string, at: Date): Promise<void> {
  await driver.query(RECORD_SUCCESS, [destinationId, at.toISOString()], "tracecast_record_success");
  alertAfterSuccess(destinationId);
}

/** Records a failed attempt and pauses the destination when its streak has lasted too long. */
export async function recordFailure(destinationId: string, error: string, at: Date): Promise<{ autoPaused: boolean; consecutiveFailures: number }> {
  // One statement, so concurrent drains cannot lose an increment or move failingSince forward.
  const [row] = await prisma.$queryRaw<{ consecutiveFailures: number }[]>`
    UPDATE "Destination"
       SET "consecutiveFailures" = "consecutiveFailures" + 1,
           "failingSince" = COALESCE("failingSince", ${at}),
           "lastFailureAt" = ${at}, "lastError" = ${error}, "updatedAt" = ${at}
     WHERE id = ${destinationId}
    RETURNING "consecutiveFailures"`;
  alertAfterFailure(destinationId, row?.consecutiveFailures ?? 1);
  return { autoPaused: (await autoPauseIfFailingSince(destinationId, at)) > 0, consecutiveFailures: row?.consecutiveFailures ?? 1 };
}

function pauseReason(failingSince: Date, consecutiveFailures: number, lastError: string | null): string {
  return `Paused automatically: every delivery attempt has failed since ${failingSince.toISOString()} (${consecutiveFailures} attempts). Last error: ${lastError ?? "unknown"}`;
}

/**
 * Pauses active destinations (one, or all when no id) whose failure streak began before the
 * auto-pause threshold, with an audit event by the system for each. Returns how many were paused.
 */
export async function autoPauseIfFailingSince(destinationId: string | undefined, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - deliverySettings.autoPauseAfterMs());
  const candidates = await prisma.destination.findMany({
    where: { ...(destinationId ? { id: destinationId } : {}), status: "active", deletedAt: null, failingSince: { lte: cutoff } },
    select: { id: true, workspaceId: true, name: true, failingSince: true, consecutiveFailures: true, lastError: true },
  });
  let paused = 0;
  for (const d of candidates) {
    const statusReason = pauseReason(d.failingSince!, d.consecutiveFailures, d.lastError);
    const done = await prisma.$transaction(async (tx) => {
      // Conditional: a user who paused or resumed it meanwhile wins.
      const { count } = await tx.destination.updateMany({
        where: { id: d.id, status: "active", failingSince: { lte: cutoff } },
        data: { status: "auto_paused", statusReason },
      });
      if (count === 0) return false;
      invalidateIngestConfig(d.workspaceId);
      await recordAudit(tx, {
        workspaceId: d.workspaceId,
        actor: null,
        action: "destination.auto_pause",
        targetType: "destination",
        targetId: d.id,
        before: { status: "active" },
        after: { status: "auto_paused", statusReason, failingSince: d.failingSince!.toISOString(), consecutiveFailures: d.consecutiveFailures },
      });
      return true;
    });
    if (done) paused++;
    if (done) alertAfterAutoPause(d.id);
  }
  return paused;
}

// Health counters per destination and hour (DeliveryStat), so the health views read a row per hour
// instead of counting every trace of their window on each refresh:
// - delivered, failed: what the destination's requests settled in that hour, written in the same
//   statement as each request's attempt record (attempts.ts);
// - latency: a histogram of queued → delivered for the traces delivered in that hour;
// - waiting: the backlog the sweep last counted in that hour (recordBacklog).
import { driver, prisma } from "@/lib/db";
import { latencyHistogram } from "./latency-histogram";
import { countBacklog } from "./stats";

/** What a request settled, for the hour of its attempt record. */
export type Settled = { delivered: number; failed: number; latenciesMs: readonly number[] };

/**
 * SQL run after the attempt's INSERT in the same statement (attempts.ts): adds `settled` to the
 * destination's row for the attempt's hour. Parameters: $2 destinationId, $3 workspaceId, $4 at,
 * then $16 delivered, $17 failed, $18 the latency histogram as a JSON array.
 */
export const ADD_SETTLED_SQL = `
  INSERT INTO "DeliveryStat" ("destinationId", hour, "workspaceId", delivered, failed, latency)
  SELECT $2, date_trunc('hour', $4::timestamp(3)), $3, $16::int, $17::int, ARRAY(SELECT jsonb_array_elements_text($18::jsonb)::int)
   WHERE $16::int + $17::int > 0
  ON CONFLICT ("destinationId", hour) DO UPDATE
     SET delivered = "DeliveryStat".delivered + EXCLUDED.delivered,
         failed = "DeliveryStat".failed + EXCLUDED.failed,
         latency = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                           FROM unnest("DeliveryStat".latency, EXCLUDED.latency) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`;

export function settledParams(settled: Settled | undefined): [number, number, string] {
  return [settled?.delivered ?? 0, settled?.failed ?? 0, JSON.stringify(latencyHistogram(settled?.latenciesMs ?? []))];
}

const RECORD_WAITING = `
  INSERT INTO "DeliveryStat" ("destinationId", hour, "workspaceId", waiting)
  SELECT $1, date_trunc('hour', $3::timestamp(3)), $2, $4::int
   WHERE EXISTS (SELECT 1 FROM "Destination" WHERE id = $1)
  ON CONFLICT ("destinationId", hour) DO UPDATE SET waiting = EXCLUDED.waiting`;

/**
 * The sweep's count of each destination's backlog (up to BACKLOG_SAMPLE_CAP), kept as the hour's
 * `waiting` (the backlog chart). One destination at a time, in statements of bounded size
 * (countBacklog), so ingestion interleaves.
 */
export async function recordBacklog(now: Date): Promise<void> {
  const destinations = await prisma.destination.findMany({ where: { deletedAt: null }, select: { id: true, workspaceId: true } });
  for (const d of destinations) {
    await driver.query(RECORD_WAITING, [d.id, d.workspaceId, now.toISOString(), await countBacklog(d.workspaceId, d.id)], "tracecast_record_waiting");
  }
}

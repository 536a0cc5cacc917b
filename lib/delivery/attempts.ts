// DeliveryAttempt: one row per request a drain makes to a destination, delivered or not: the single
// record of what was sent (when, how many traces, which log range or exception rows, the answer,
// and for a failure when the destination is tried again). Written on the driver, prepared, like the
// drain's other per-batch statements. The same statement adds what the request settled to the
// destination's health counters for the hour (counters.ts).
import { randomUUID } from "node:crypto";
import { driver } from "@/lib/db";
import { ADD_SETTLED_SQL, settledParams, type Settled } from "./counters";
import type { LogPosition } from "./log";

export type AttemptRecord = {
  destinationId: string;
  workspaceId: string;
  at: Date;
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  traces: number;
  /** The log range the request covered (first and last trace). */
  range?: { from: LogPosition; to: LogPosition };
  /** The exception rows (Delivery ids) it carried. */
  deliveryIds?: string[];
  /** Already short and without secrets (drain.ts describe()). */
  error: string | null;
  nextAttemptAt: Date | null;
  /** The traces the request delivered or failed for good (not those left to retry). */
  settled?: Settled;
};

const INSERT_ATTEMPT = `
  WITH attempt AS (
  INSERT INTO "DeliveryAttempt" (id, "destinationId", "workspaceId", at, ok, "httpStatus", "latencyMs", traces,
                                 "fromXid", "fromSeq", "toXid", "toSeq", "deliveryIds", error, "nextAttemptAt")
  VALUES ($1, $2, $3, $4::timestamp(3), $5, $6, $7, $8, $9::bigint, $10::bigint, $11::bigint, $12::bigint,
          ARRAY(SELECT jsonb_array_elements_text($13::jsonb)), $14, $15::timestamp(3)))
  ${ADD_SETTLED_SQL}`;

export async function recordAttempt(a: AttemptRecord): Promise<void> {
  await driver.query(
    INSERT_ATTEMPT,
    [
      `att_${randomUUID()}`,
      a.destinationId,
      a.workspaceId,
      a.at.toISOString(),
      a.ok,
      a.httpStatus,
      a.latencyMs,
      a.traces,
      a.range?.from.xid ?? null,
      a.range?.from.seq ?? null,
      a.range?.to.xid ?? null,
      a.range?.to.seq ?? null,
      JSON.stringify(a.deliveryIds ?? []),
      a.error,
      a.nextAttemptAt?.toISOString() ?? null,
      ...settledParams(a.settled),
    ],
    "tracecast_record_attempt",
  );
}

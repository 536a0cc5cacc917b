// The health counters' migration on a database that already holds deliveries: the last 7 days'
// settled deliveries (exception rows and log traces delivered by a request) become counters per
// destination and hour, with latency bins as the drain writes them, so the health views keep their
// history across the upgrade. On a fresh embedded database of its own, migrated step by step.
import { expect, it } from "vitest";
import { migratedUpTo } from "../support/migration-steps";
import { latencyHistogram } from "@/lib/delivery/latency-histogram";

const MIGRATION = "_delivery_stats";

it("counts the last 7 days' settled deliveries per destination and hour, with their latency bins", async () => {
  const { db, migrateRest } = await migratedUpTo(MIGRATION);
  try {
    const hour = "date_trunc('hour', now()) - interval '2 hours'";
    await db.exec(`
      INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('w1', 'Old', 'personal', now());
      INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('d1', 'w1', 'webhook', 'Hook', '{}', now());
      -- Exception rows: two delivered (waited 3 ms and 2 s), one failed, one delivered 8 days ago (not counted).
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt") VALUES
        ('t1', 'w1', '{}', 2, ${hour}), ('t2', 'w1', '{}', 2, ${hour}), ('t3', 'w1', '{}', 2, ${hour}), ('t4', 'w1', '{}', 2, now() - interval '8 days');
      INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "createdAt", "deliveredAt", "updatedAt") VALUES
        ('x1', 't1', 'd1', 'w1', 'delivered', ${hour} + interval '1 minute', ${hour} + interval '1 minute 0.003 seconds', now()),
        ('x2', 't2', 'd1', 'w1', 'delivered', ${hour} + interval '1 minute', ${hour} + interval '1 minute 2 seconds', now()),
        ('x3', 't3', 'd1', 'w1', 'failed', ${hour}, NULL, ${hour} + interval '5 minutes'),
        ('x4', 't4', 'd1', 'w1', 'delivered', now() - interval '8 days', now() - interval '8 days', now());
      -- Log traces routed to d1, delivered by one request 700 ms after they were received.
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt", routes) VALUES
        ('l1', 'w1', '{}', 2, ${hour} + interval '10 minutes', '{"d1": 1}'), ('l2', 'w1', '{}', 2, ${hour} + interval '10 minutes', '{"d1": 1}');
      INSERT INTO "DeliveryAttempt" (id, "destinationId", "workspaceId", at, ok, "latencyMs", traces, "fromXid", "fromSeq", "toXid", "toSeq")
        SELECT 'a1', 'd1', 'w1', ${hour} + interval '10 minutes 0.7 seconds', true, 5, 2, min(xid), min(seq), max(xid), max(seq)
          FROM "TracePayload" WHERE id IN ('l1', 'l2');`);
    await migrateRest();

    // In t1's hour (t1 was received at its start).
    const rows = (await db.query<{ destinationId: string; inHour: boolean; delivered: number; failed: number; latency: number[]; waiting: number | null }>(`
      SELECT "destinationId", hour = (SELECT "receivedAt" FROM "TracePayload" WHERE id = 't1') AS "inHour", delivered, failed, latency, waiting
        FROM "DeliveryStat" ORDER BY hour`)).rows;
    expect(rows).toEqual([{ destinationId: "d1", inHour: true, delivered: 4, failed: 1, latency: latencyHistogram([3, 2000, 700, 700]), waiting: null }]);
  } finally {
    await db.close();
  }
});

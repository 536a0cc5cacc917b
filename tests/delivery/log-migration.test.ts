// The delivery-log migration on a database that already holds traces and queued Delivery rows: the
// rows stay queued (the drain's exceptions path delivers them, as tests/delivery/drain.test.ts shows
// for rows written that way), every existing destination gets a cursor past the old traces (so the
// log does not send them a second time), and a destination created afterwards gets its cursor from
// the trigger. On a fresh embedded database of its own, migrated step by step.
import { expect, it } from "vitest";
import { migratedUpTo } from "../support/migration-steps";
import { READ_LOG } from "@/lib/delivery/log";

const MIGRATION = "_delivery_log";

it("keeps queued rows pending, starts existing cursors past the old traces, and gives new destinations a cursor", async () => {
  const { db, migrateRest } = await migratedUpTo(MIGRATION);
  try {
    // Before the upgrade: a trace queued for a destination, as the old ingest stored it.
    await db.exec(`
      INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('w1', 'Old', 'personal', now());
      INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('d1', 'w1', 'webhook', 'Hook', '{}', now());
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes") VALUES ('t1', 'w1', '{}', 2);
      INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "updatedAt") VALUES ('dl1', 't1', 'd1', 'w1', 'pending', now());`);
    await migrateRest();

    expect((await db.query(`SELECT status FROM "Delivery" WHERE id = 'dl1'`)).rows).toEqual([{ status: "pending" }]);
    const cursor = (await db.query<{ xid: string; seq: string }>(`SELECT xid::text, seq::text FROM "DeliveryCursor" WHERE "destinationId" = 'd1'`)).rows;
    expect(cursor).toHaveLength(1);
    const trace = (await db.query<{ xid: string; routes: unknown }>(`SELECT xid::text, routes FROM "TracePayload" WHERE id = 't1'`)).rows[0];
    expect(trace.routes).toBeNull();
    expect(BigInt(cursor[0].xid)).toBeGreaterThanOrEqual(BigInt(trace.xid));
    // Even routed, the old trace would be behind the cursor: the log's read finds nothing.
    await db.exec(`UPDATE "TracePayload" SET routes = '{"d1": 1}' WHERE id = 't1'`);
    const read = await db.query<{ id: string | null }>(READ_LOG, ["w1", "d1", cursor[0].xid, cursor[0].seq, 100]);
    expect(read.rows.map((r) => r.id)).toEqual([null]);

    // A destination created after the upgrade gets its cursor with it, at the log's head.
    await db.exec(`INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('d2', 'w1', 'webhook', 'New', '{}', now())`);
    expect((await db.query(`SELECT "destinationId" FROM "DeliveryCursor" ORDER BY 1`)).rows).toEqual([{ destinationId: "d1" }, { destinationId: "d2" }]);
  } finally {
    await db.close();
  }
});

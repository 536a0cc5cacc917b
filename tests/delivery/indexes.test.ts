// The queries that grow with the number of stored traces have an index to use: retention's oldest-
// first chunk (lib/delivery/retention.ts) and health's completed deliveries of a destination since a
// time (lib/delivery/stats.ts). With sequential scans disabled, the planner must find an index that
// serves each predicate; without one it falls back to a (disabled, still chosen) sequential scan.
import { beforeAll, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { claimStatement, dueDestinationsStatement } from "@/lib/delivery/outbox";
import { Prisma } from "@/lib/generated/prisma/client";

async function plan(sql: string | Prisma.Sql): Promise<string> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
    const rows =
      typeof sql === "string"
        ? await tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${sql}`)
        : await tx.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN ${sql}`;
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
}

// Enough rows, spread over destinations, statuses and days, for the planner's statistics to tell the
// indexes apart (on empty tables every index costs the same).
beforeAll(async () => {
  await prisma.$executeRawUnsafe(`INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('w1', 'Indexes', 'personal', now())`);
  await prisma.$executeRawUnsafe(
    `INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") SELECT 'd' || i, 'w1', 'webhook', 'd' || i, '{}', now() FROM generate_series(1, 20) i`,
  );
  await prisma.$executeRawUnsafe(
    `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt", routes)
     SELECT 't' || i, 'w1', '{}', 2, now() - i * interval '1 minute', jsonb_build_object('d' || (i % 20 + 1), 1) FROM generate_series(1, 4000) i`,
  );
  await prisma.$executeRawUnsafe(
    `INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "deliveredAt", "updatedAt")
     SELECT 'dl' || i, 't' || i, 'd' || (i % 20 + 1), 'w1', CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'delivered' END::"DeliveryStatus",
            CASE WHEN i % 3 = 0 THEN NULL ELSE now() - i * interval '10 minutes' END, now()
       FROM generate_series(1, 4000) i`,
  );
  await prisma.$executeRawUnsafe("ANALYZE");
});

it("retention finds the oldest traces through an index on receivedAt alone", async () => {
  const explained = await plan(`SELECT id FROM "TracePayload" WHERE "receivedAt" < now() - interval '30 days' ORDER BY "receivedAt" LIMIT 500`);
  expect(explained).toMatch(/Index (Only )?Scan( Backward)? using "TracePayload_receivedAt_idx"/);
});

it("health finds a destination's deliveries completed since a time through (destinationId, status, deliveredAt)", async () => {
  const explained = await plan(
    `SELECT "deliveredAt" FROM "Delivery" WHERE "destinationId" = 'd1' AND status = 'delivered' AND "deliveredAt" >= now() - interval '1 day'`,
  );
  expect(explained).toMatch(/Index (Only )?Scan using "Delivery_destinationId_status_deliveredAt_idx"|Bitmap Index Scan on "Delivery_destinationId_status_deliveredAt_idx"/);
  // All three columns bound by the index, none left to a filter over the destination's rows.
  expect(explained).toMatch(/Index Cond: .*"deliveredAt" >=/);
});

it("the claim reads a destination's due rows in order through (destinationId, status, nextAttemptAt) and stops at its limit", async () => {
  const now = new Date();
  const explained = await plan(claimStatement("d1", 10, now, new Date(now.getTime() + 30_000), "token"));
  // The pending rows: a range of the index, read in nextAttemptAt order, no sort of the destination's backlog.
  expect(explained).toMatch(/Index Scan using "Delivery_destinationId_status_nextAttemptAt_idx"[^\n]*\n\s*Index Cond: \(\("destinationId" = 'd1'::text\) AND \(status = 'pending'::"DeliveryStatus"\) AND \("nextAttemptAt" <=/);
  expect(explained).not.toMatch(/Sort Key: "Delivery(_\d+)?"\."nextAttemptAt"/);
});

it("the sweep probes each destination's due rows through (destinationId, status, nextAttemptAt), never reading the backlog", async () => {
  const explained = await plan(dueDestinationsStatement(new Date()));
  expect(explained).toMatch(/Index (Only )?Scan using "Delivery_destinationId_status_nextAttemptAt_idx"/);
  expect(explained).not.toMatch(/Seq Scan on "Delivery"|HashAggregate|Unique/);
});

it("a drain reads its log from the cursor through (workspaceId, xid, seq), in order, without sorting the workspace's traces", async () => {
  const [{ xid }] = await prisma.$queryRaw<{ xid: string }[]>`SELECT min(xid)::text AS xid FROM "TracePayload"`;
  // The read is a database function (lib/delivery/log.ts): its body, with the arguments in place.
  const [{ body }] = await prisma.$queryRaw<{ body: string }[]>`SELECT prosrc AS body FROM pg_proc WHERE proname = 'tracecast_read_log'`;
  const values: Record<string, string> = { p_workspace: "'w1'", p_destination: "'d1'", p_after_xid: `${xid}::bigint`, p_after_seq: "0::bigint", p_limit: "100" };
  const explained = await plan(body.replace(/\bp_[a-z_]+\b/g, (p) => values[p]));
  expect(explained).toMatch(/Index Scan using "TracePayload_workspaceId_xid_seq_idx"[^\n]*\n\s*Index Cond: \(\("workspaceId" = 'w1'::text\) AND \(ROW\(xid, seq\) > ROW\(/);
  expect(explained).not.toMatch(/Sort Key|Seq Scan on "TracePayload"/);
});


// A drain's read of its log costs a read of `limit` rows whatever the planner's statistics say
// (lib/delivery/log.ts, READ_LOG). The embedded database runs no autovacuum, so right after a burst
// of traces the planner has no statistics on them; with none, the plain query was planned as a
// bitmap scan of every trace past the cursor plus a sort, so a drain working through a backlog of
// n traces read n²/limit rows. The rows the read takes from the index are counted in the
// transaction's own statistics (pg_stat_get_xact_tuples_returned, read before and after).
import { beforeAll, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { READ_LOG, SKIP_IDLE } from "@/lib/delivery/log";
import { dueDestinationsStatement } from "@/lib/delivery/outbox";
import { Prisma } from "@/lib/generated/prisma/client";
import { insertLogTraces, insertPlanWorkspace } from "./query-plans";

const BACKLOG = 3000;
const LIMIT = 100;

beforeAll(async () => {
  await insertPlanWorkspace();
  await insertLogTraces(BACKLOG);
});

type Entry = { id: string | null; xid: string; seq: string };

/** One read of the log, and the entries it took from the log's index (within its transaction). */
async function readPage(after: { xid: string; seq: string }): Promise<{ entries: Entry[]; indexRowsRead: number }> {
  return prisma.$transaction(async (tx) => {
    const counter = async () =>
      Number((await tx.$queryRawUnsafe<{ read: string }[]>(`SELECT pg_stat_get_xact_tuples_returned('"TracePayload_workspaceId_xid_seq_idx"'::regclass)::text AS read`))[0].read);
    const before = await counter();
    const rows = await tx.$queryRawUnsafe<Entry[]>(READ_LOG, "w1", "d1", after.xid, after.seq, LIMIT);
    return { entries: rows.filter((r) => r.id !== null), indexRowsRead: (await counter()) - before };
  });
}

it("reads about `limit` entries of a backlog the planner has no statistics for, page after page", async () => {
  const [stats] = await prisma.$queryRawUnsafe<{ analyzed: boolean }[]>(
    `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analyzed FROM pg_stat_user_tables WHERE relname = 'TracePayload'`,
  );
  expect(stats.analyzed).toBe(false);
  let cursor = { xid: "0", seq: "0" };
  const seen: string[] = [];
  for (let page = 0; page < 3; page++) {
    const { entries, indexRowsRead } = await readPage(cursor);
    expect(entries).toHaveLength(LIMIT);
    // A few entries past the limit at most, never the backlog past the cursor.
    expect(indexRowsRead).toBeLessThanOrEqual(LIMIT + 10);
    seen.push(...entries.map((e) => e.id!));
    cursor = entries.at(-1)!;
  }
  expect(new Set(seen).size).toBe(3 * LIMIT);
});

it("finds the oldest waiting trace and counts a capped backlog by reading about that many entries, whatever the statistics", async () => {
  // What the health views, the sweep's backlog count and the alerts read (status.ts waitingInLog).
  const read = (sql: string) =>
    prisma.$transaction(async (tx) => {
      const counter = async () =>
        Number((await tx.$queryRawUnsafe<{ read: string }[]>(`SELECT pg_stat_get_xact_tuples_returned('"TracePayload_workspaceId_xid_seq_idx"'::regclass)::text AS read`))[0].read);
      const before = await counter();
      const [row] = await tx.$queryRawUnsafe<{ value: unknown }[]>(sql);
      return { value: row.value, indexRowsRead: (await counter()) - before };
    });
  const oldest = await read(`SELECT "receivedAt" AS value FROM tracecast_waiting_log('w1', 'd1', NULL, NULL, 1)`);
  expect(oldest.value).toBeInstanceOf(Date);
  expect(oldest.indexRowsRead).toBeLessThanOrEqual(1 + 10);
  const counted = await read(`SELECT count(*)::int AS value FROM tracecast_waiting_log('w1', 'd1', NULL, NULL, ${LIMIT})`);
  expect(counted.value).toBe(LIMIT);
  expect(counted.indexRowsRead).toBeLessThanOrEqual(LIMIT + 10);
  // The plain query the views used before, on the same backlog: the whole of it.
  const plain = await read(`
    SELECT count(*)::int AS value FROM (
      SELECT 1 FROM "TracePayload" t
       WHERE t."workspaceId" = 'w1' AND (t.xid, t.seq) > (SELECT c.xid, c.seq FROM "DeliveryCursor" c WHERE c."destinationId" = 'd1')
         AND t.routes ? 'd1' AND NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = t.id AND e."destinationId" = 'd1' OFFSET 0)
       LIMIT ${LIMIT}) l`);
  expect(plain.value).toBe(LIMIT);
  expect(plain.indexRowsRead).toBe(BACKLOG);
});

it("the sweep's probes (is there work past the cursor; skip idle cursors) read about one entry per destination with work, whatever the statistics", async () => {
  const entriesRead = (run: (tx: Prisma.TransactionClient) => Promise<unknown>) =>
    prisma.$transaction(async (tx) => {
      const counter = async () =>
        Number((await tx.$queryRawUnsafe<{ read: string }[]>(`SELECT pg_stat_get_xact_tuples_returned('"TracePayload_workspaceId_xid_seq_idx"'::regclass)::text AS read`))[0].read);
      const before = await counter();
      await run(tx);
      return (await counter()) - before;
    });
  const cursor = () => prisma.$queryRawUnsafe<{ xid: string }[]>(`SELECT xid::text FROM "DeliveryCursor" WHERE "destinationId" = 'd1'`);
  const before = await cursor();
  // d1 has 3,000 traces waiting right past its cursor: each probe reads the log's index from the
  // cursor and stops at the first.
  const skipped = await entriesRead((tx) => tx.$executeRawUnsafe(SKIP_IDLE, new Date().toISOString()));
  expect(skipped).toBeGreaterThanOrEqual(1);
  expect(skipped).toBeLessThanOrEqual(10);
  expect(await cursor()).toEqual(before);
  const probed = await entriesRead((tx) => tx.$queryRaw(dueDestinationsStatement(new Date())));
  expect(probed).toBeGreaterThanOrEqual(1);
  expect(probed).toBeLessThanOrEqual(10);
});

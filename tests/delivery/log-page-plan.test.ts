// The delivery log's page (lib/delivery/stats.ts listDeliveries) reads about a page of rows however
// many exception rows a replay has just queued. A replay inserts tens of thousands of rows at once,
// and the embedded database runs no autovacuum, so the planner has no statistics on them: the plain
// page statement was then planned as a scan of every exception row of the destination plus a sort to
// keep 51 (1.6–2.8 s each at 45,000 rows, once a second while the dashboard was open).
import { beforeAll, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { countWaiting, deliveriesQuery, listDeliveries } from "@/lib/delivery/stats";
import { insertPlanWorkspace, plansOf, rowsHandled } from "./query-plans";

const REPLAYED = 3000;
const TRACES = 4000;

beforeAll(async () => {
  await insertPlanWorkspace();
  for (let i = 0; i < TRACES; i += 100) {
    await prisma.$executeRawUnsafe(
      `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", routes, "receivedAt")
       SELECT 't' || lpad(i::text, 5, '0'), 'w1', jsonb_build_object('id', 'ext' || i, 'pad', repeat('x', 1500)), 1500, '{"d1": 1}',
              now() - interval '1 hour' + i * interval '1 millisecond' FROM generate_series(${i}, ${i + 99}) i`,
    );
  }
  // A replay's chunks: a statement of 200 rows each, one `createdAt` per replay. No ANALYZE.
  for (let i = 0; i < REPLAYED; i += 200) {
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "createdAt", "updatedAt")
       SELECT 'r' || lpad(i::text, 5, '0'), 't' || lpad(i::text, 5, '0'), 'd1', 'w1', 'pending', date_trunc('second', now()), now()
         FROM generate_series(${i}, ${i + 199}) i`,
    );
  }
});

it("a page of the log reads about a page of rows right after a replay queued thousands, before any statistics", async () => {
  const [stats] = await prisma.$queryRawUnsafe<{ analyzed: boolean }[]>(
    `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analyzed FROM pg_stat_user_tables WHERE relname = 'Delivery'`,
  );
  expect(stats.analyzed).toBe(false);
  const query = deliveriesQuery.parse({});
  let page: Awaited<ReturnType<typeof listDeliveries>> | undefined;
  const [plan] = await plansOf(async () => (page = await listDeliveries("w1", "d1", query)));
  expect(page!.deliveries).toHaveLength(50);
  expect(page!.deliveries.every((d) => d.status === "pending")).toBe(true);
  // Each side of the page stops at 51 rows (and the log side checks a few traces for an exception
  // row); never the 3,000 exception rows or the 4,000 traces.
  expect(rowsHandled(plan)).toBeLessThan(600);
});

it("the health views count what waits and find the oldest by reading about `cap` exception rows, not every one a replay queued", async () => {
  const cap = 100;
  let waiting: Awaited<ReturnType<typeof countWaiting>> | undefined;
  const [plan] = await plansOf(async () => (waiting = await countWaiting("w1", "d1", cap)));
  expect(waiting).toMatchObject({ capped: true, retrying: 0 });
  expect(waiting!.oldestQueuedAt).toBeInstanceOf(Date);
  // `cap` rows counted (each through an index scan, a limit and a subquery: ~3 × cap handled), none
  // retrying, one oldest (the log's side is a function of its own: log-read-plan.test.ts).
  // Before: 3,306, the retrying count and the oldest each reading all 3,000.
  expect(rowsHandled(plan)).toBeLessThan(4 * cap);
});

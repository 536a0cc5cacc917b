// "Has this trace an exception row at this destination?" is a lookup of the (traceId,
// destinationId) unique index, whatever the planner knows. Every other index of Delivery leads with
// destinationId. PostgreSQL 18 (the embedded database) keeps the plans of a SQL function's
// statements in the session's plan cache and, after a few runs, a generic plan for any argument;
// planned while the table's statistics showed a few exception rows, that plan scanned the
// destination's rows by a destinationId index for every trace it checked. After a replay queued
// 45,000 rows, each count of 1,000 waiting traces (health views, the sweep) compared 45 million
// rows: seconds per count on the one connection, ingestion held behind it.
// The rows fetched are counted in the transaction's own statistics (pg_stat_get_xact_tuples_fetched).
import { beforeAll, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { insertLogTraces, insertPlanWorkspace, planNodes, type PlanNode } from "./query-plans";

const REPLAYED = 2000;
const WAITING = 300;
const LIMIT = 100;

beforeAll(async () => {
  await insertPlanWorkspace();
  await insertLogTraces(WAITING);
  // Older traces, not in the log, that a replay will queue again.
  await prisma.$executeRawUnsafe(
    `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes") SELECT 'r' || i, 'w1', '{}', 2 FROM generate_series(1, ${REPLAYED}) i`,
  );
});

/**
 * The function's statement (as deployed: pg_proc) prepared and planned generically, as the server's
 * session kept it, while the destination has no exception rows; run again after a replay queued
 * REPLAYED of them: the traces it counted and the exception rows it read for that.
 */
async function countAfterReplay(): Promise<{ counted: number; exceptionRowsRead: number }> {
  return prisma.$transaction(async (tx) => {
    const [{ src }] = await tx.$queryRawUnsafe<{ src: string }[]>(`SELECT prosrc AS src FROM pg_proc WHERE proname = 'tracecast_waiting_log'`);
    const statement = ["p_workspace", "p_destination", "p_after_xid", "p_after_seq", "p_limit"].reduce((sql, name, i) => sql.replaceAll(name, `$${i + 1}`), src);
    // The function's own planner settings (its SET clauses), and the plan cache's generic plan.
    for (const setting of ["enable_bitmapscan", "enable_seqscan", "enable_sort", "enable_hashjoin", "enable_mergejoin"]) await tx.$executeRawUnsafe(`SET LOCAL ${setting} = off`);
    await tx.$executeRawUnsafe(`SET LOCAL plan_cache_mode = force_generic_plan`);
    await tx.$executeRawUnsafe(`PREPARE waiting_log(text, text, bigint, bigint, int) AS ${statement}`);
    const run = `EXECUTE waiting_log('w1', 'd1', NULL, NULL, ${LIMIT})`;
    expect(await tx.$queryRawUnsafe<unknown[]>(run)).toHaveLength(LIMIT);
    await tx.$executeRawUnsafe(
      `INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", "updatedAt") SELECT 'e' || i, 'r' || i, 'd1', 'w1', now() FROM generate_series(1, ${REPLAYED}) i`,
    );
    const [{ "QUERY PLAN": [{ Plan: plan }] }] = await tx.$queryRawUnsafe<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${run}`);
    const exceptionRowsRead = planNodes(plan)
      .filter((n) => n["Relation Name"] === "Delivery")
      .reduce((sum, n) => sum + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"], 0);
    await tx.$executeRawUnsafe(`DEALLOCATE waiting_log`);
    await tx.$executeRawUnsafe(`DELETE FROM "Delivery"`);
    return { counted: plan["Actual Rows"], exceptionRowsRead };
  });
}

it("counts waiting log traces without reading the destination's exception rows for each, with a plan made before a replay", async () => {
  const { counted, exceptionRowsRead } = await countAfterReplay();
  expect(counted).toBe(LIMIT);
  // None of the waiting traces has an exception row: none to read (it was LIMIT × REPLAYED).
  expect(exceptionRowsRead).toBeLessThanOrEqual(LIMIT);
});

// PGlite runs no autovacuum and no checkpointer: the sweep vacuums the embedded database and
// checkpoints after retention, so space freed by deleted traces and rewritten delivery rows is
// reused, the log's segments are recycled, and the database stays the same size over churn many
// times its retained volume. On PostgreSQL autovacuum and the checkpointer do it.
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { databaseUrl } from "@/lib/db-location";
import { vacuumEmbeddedDatabase } from "@/lib/delivery/maintenance";
import { sweep } from "@/lib/delivery/sweep";
import { sampleTrace } from "@/lib/traces/fixtures";
import { createDestinationRow, createWorkspace } from "../support/delivery";

const TRACES_PER_ROUND = 2_000;
const ROUNDS = 10;

/** Bytes of every table of the schema, with its indexes and TOAST. */
async function schemaBytes(): Promise<number> {
  const [row] = await prisma.$queryRaw<{ bytes: number }[]>`
    SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)))::float8 AS bytes FROM pg_tables WHERE schemaname = current_schema()`;
  return row.bytes;
}

/** Bytes of the write-ahead log's segments. */
async function walBytes(): Promise<number> {
  const [row] = await prisma.$queryRaw<{ bytes: number }[]>`SELECT coalesce(sum(size), 0)::float8 AS bytes FROM pg_ls_waldir()`;
  return row.bytes;
}

/** One round of churn: traces stored past retention, their deliveries rewritten as a drain does, then the sweep. */
async function churn(workspaceId: string, destinationId: string, round: number) {
  const receivedAt = new Date(Date.now() - 40 * 86_400_000);
  await prisma.$executeRaw`
    INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt")
    SELECT 'churn-' || ${round}::int || '-' || i, ${workspaceId}, ${JSON.stringify(sampleTrace())}::jsonb, 1000, ${receivedAt}
      FROM generate_series(1, ${TRACES_PER_ROUND}::int) AS i`;
  await prisma.$executeRaw`
    INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", "createdAt", "updatedAt")
    SELECT 'd-' || id, id, ${destinationId}, ${workspaceId}, ${receivedAt}, ${receivedAt} FROM "TracePayload" WHERE id LIKE ${`churn-${round}-%`}`;
  await prisma.delivery.updateMany({ where: { destinationId, status: "pending" }, data: { status: "in_flight" } });
  await prisma.delivery.updateMany({ where: { destinationId, status: "in_flight" }, data: { status: "delivered", deliveredAt: new Date() } });
  const { expiredTraces } = await sweep();
  expect(expiredTraces).toBe(TRACES_PER_ROUND);
}

describe("maintenance of the embedded database", () => {
  it("vacuums and analyzes the tables that changed enough, as autovacuum would, and leaves the others alone", async () => {
    if (databaseUrl()) return;
    const workspaceId = (await createWorkspace("personal", "Quiet")).id;
    await vacuumEmbeddedDatabase();
    // Nothing changed since: nothing to do (a VACUUM or ANALYZE of every table every time re-read
    // the whole traces table, seconds of the one connection on a large database).
    expect(await vacuumEmbeddedDatabase()).toEqual({ vacuumed: [], analyzed: [] });
    await prisma.$executeRaw`
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes")
      SELECT 'quiet-' || i, ${workspaceId}, '{}'::jsonb, 2 FROM generate_series(1, 2000) AS i`;
    // New rows: analyzed now, but the vacuum that marks their pages all-visible and frozen waits
    // for a minute without traces arriving (it would hold ingestion on the one connection).
    expect(await vacuumEmbeddedDatabase()).toEqual({ vacuumed: [], analyzed: ['"TracePayload"'] });
    expect(await vacuumEmbeddedDatabase(new Date(Date.now() + 30_000))).toEqual({ vacuumed: [], analyzed: [] });
    // A minute later with nothing received since: vacuumed.
    expect(await vacuumEmbeddedDatabase(new Date(Date.now() + 61_000))).toEqual({ vacuumed: ['"TracePayload"'], analyzed: [] });
    await prisma.$executeRaw`DELETE FROM "TracePayload" WHERE id IN (SELECT id FROM "TracePayload" WHERE id LIKE 'quiet-%' LIMIT 100)`;
    // 100 of 2,000 rows: under autovacuum's thresholds (50 + 20 % dead, 50 + 10 % changed).
    expect(await vacuumEmbeddedDatabase()).toEqual({ vacuumed: [], analyzed: [] });
    await prisma.$executeRaw`DELETE FROM "TracePayload" WHERE id LIKE 'quiet-%'`;
    expect(await vacuumEmbeddedDatabase()).toEqual({ vacuumed: ['"TracePayload"'], analyzed: ['"TracePayload"'] });
  });

  it("keeps the tables and the log the same size over many rounds of churn: vacuum after retention, then a checkpoint", async () => {
    const workspaceId = (await createWorkspace()).id;
    const destinationId = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/hook" }, { status: "paused" })).id;
    if (databaseUrl()) {
      // PostgreSQL: autovacuum's work, not this process's.
      expect(await vacuumEmbeddedDatabase()).toEqual({ vacuumed: [], analyzed: [] });
      return;
    }
    await vacuumEmbeddedDatabase();
    // Two rounds to warm up: the tables grow to hold one round's rows in every version a drain writes.
    await churn(workspaceId, destinationId, 0);
    await churn(workspaceId, destinationId, 1);
    const warm = await schemaBytes();
    const warmWal = await walBytes();
    for (let round = 2; round < ROUNDS; round++) await churn(workspaceId, destinationId, round);
    // Without vacuum each round adds its rows' size again; with it they reuse the same pages.
    expect(await schemaBytes()).toBeLessThanOrEqual(warm * 1.1);
    // The checkpoint after the vacuum lets the log recycle its segments instead of adding more.
    expect(await walBytes()).toBeLessThanOrEqual(warmWal);
    const [analyzed] = await prisma.$queryRaw<{ analyzed: boolean }[]>`
      SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'Delivery'`;
    expect(analyzed?.analyzed).toBe(true);
  });
});

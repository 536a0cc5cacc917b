// Upkeep of the embedded database. PGlite runs no autovacuum: without it the rows that retention
// deletes and the delivery rows that drains rewrite leave dead space that is never reused, so the
// database grows for ever, and the planner's statistics are never refreshed. Nor does it run a
// checkpointer: the write-ahead log's old segments are only recycled at a checkpoint, so it grew
// by a segment every few thousand traces. The sweep runs this after retention; on PostgreSQL
// autovacuum and the checkpointer do the same and this does nothing.
import { setImmediate as yieldToOthers } from "node:timers/promises";
import { prisma } from "@/lib/db";
import { databaseUrl } from "@/lib/db-location";

/**
 * VACUUM (ANALYZE) of each table of the schema, one statement per table with a yield between, so
 * ingestion gets the one connection between them instead of waiting for a database-wide VACUUM.
 * A plain VACUUM takes no lock that blocks reads or writes and makes the dead space reusable (it
 * gives back to the file system only empty pages at a table's end). Then a CHECKPOINT, after which
 * the write-ahead log keeps only what recovery needs. Returns the tables vacuumed.
 */
export async function vacuumEmbeddedDatabase(): Promise<string[]> {
  if (databaseUrl()) return [];
  const tables = await prisma.$queryRaw<{ name: string }[]>`
    SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`;
  for (const { name } of tables) {
    // quote_ident made the name safe; VACUUM takes no parameters.
    await prisma.$executeRawUnsafe(`VACUUM (ANALYZE) ${name}`);
    await yieldToOthers();
  }
  await prisma.$executeRawUnsafe("CHECKPOINT");
  return tables.map((t) => t.name);
}

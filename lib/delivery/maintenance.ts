// Upkeep of the embedded database. PGlite runs no autovacuum: without it the rows that retention
// deletes and the delivery rows that drains rewrite leave dead space that is never reused, so the
// database grows for ever, the planner's statistics are never refreshed, and nothing freezes old
// rows before the transaction counter wraps around. Nor does it run a checkpointer: the
// write-ahead log's old segments are only recycled at a checkpoint, so it grew by a segment every
// few thousand traces. The sweep runs this after retention; on PostgreSQL autovacuum and the
// checkpointer do the same and this does nothing.
import { setImmediate as yieldToOthers } from "node:timers/promises";
import { prisma } from "@/lib/db";
import { databaseUrl } from "@/lib/db-location";

/**
 * The tables autovacuum would work on now, by its own rules and default thresholds, from the
 * statistics PGlite keeps like any PostgreSQL: VACUUM when dead rows pass 50 + 20 % of the table,
 * or its oldest unfrozen transaction id is older than 200 million, or rows inserted since the last
 * vacuum pass 1,000 + 20 % (to mark new pages all-visible and frozen a slice at a time, not in one
 * pass over the whole table later); ANALYZE when rows changed since the last analyze pass 50 + 10 %.
 * One departure: the vacuum for inserted rows waits until no trace has arrived for a minute.
 * PostgreSQL runs it beside the traffic; here it holds the one connection while it reads and
 * rewrites every new page (3 s for a fifth of a 535 MiB traces table, in the middle of a load
 * test). Vacuuming every table every time, as before, re-read tables nothing had changed.
 */
const DUE = `
  WITH quiet AS (SELECT NOT EXISTS (SELECT 1 FROM "TracePayload" WHERE "receivedAt" > $1::timestamp(3) - interval '1 minute') AS quiet)
  SELECT quote_ident(s.relname) AS name,
         (s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
           OR age(c.relfrozenxid) > 200000000
           OR (quiet.quiet AND s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0))) AS vacuum,
         s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS analyze
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid, quiet
   WHERE s.schemaname = current_schema()
   ORDER BY s.relname`;

/**
 * VACUUM, then ANALYZE, of each table that is due (DUE), one statement at a time with a yield
 * between, so ingestion gets the one connection between them. A plain VACUUM takes no lock that
 * blocks reads or writes and makes the dead space reusable (it gives back to the file system only
 * empty pages at a table's end). Then a CHECKPOINT, after which the write-ahead log keeps only
 * what recovery needs. Returns the tables vacuumed and analyzed.
 */
export async function vacuumEmbeddedDatabase(now = new Date()): Promise<{ vacuumed: string[]; analyzed: string[] }> {
  const done = { vacuumed: [] as string[], analyzed: [] as string[] };
  if (databaseUrl()) return done;
  // The statistics of this connection's own recent statements are published at the end of the
  // next one, not before: without this, the latest retention's deletions would go unseen.
  await prisma.$executeRawUnsafe("SELECT pg_stat_force_next_flush()");
  const tables = await prisma.$queryRawUnsafe<{ name: string; vacuum: boolean; analyze: boolean }[]>(DUE, now.toISOString());
  for (const { name, vacuum, analyze } of tables) {
    // quote_ident made the name safe; VACUUM and ANALYZE take no parameters.
    if (vacuum) {
      await prisma.$executeRawUnsafe(`VACUUM ${name}`);
      done.vacuumed.push(name);
      await yieldToOthers();
    }
    if (analyze) {
      await prisma.$executeRawUnsafe(`ANALYZE ${name}`);
      done.analyzed.push(name);
      await yieldToOthers();
    }
  }
  await prisma.$executeRawUnsafe("CHECKPOINT");
  return done;
}

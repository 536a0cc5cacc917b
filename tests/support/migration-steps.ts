// A migration tested on a database that already holds data: a fresh embedded database migrated up
// to just before it, for the test to fill as the old code left it, then the rest applied.
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/** A new in-memory database with the migrations before the one whose folder name ends with `suffix`. */
export async function migratedUpTo(suffix: string): Promise<{ db: PGlite; migrateRest: () => Promise<void> }> {
  const dir = path.resolve("prisma/migrations");
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const index = names.findIndex((n) => n.endsWith(suffix));
  if (index <= 0) throw new Error(`no migration ending with ${suffix} after the first`);
  const sqlOf = (name: string) => fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
  const db = new PGlite();
  for (const name of names.slice(0, index)) await db.exec(sqlOf(name));
  return {
    db,
    migrateRest: async () => {
      for (const name of names.slice(index)) await db.exec(sqlOf(name));
    },
  };
}

import fs from "node:fs";
import path from "node:path";

/** The SQL of every migration, in order (what `prisma migrate deploy` applies). */
export function migrationSql(): string {
  const dir = path.resolve("prisma/migrations");
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8"))
    .join("\n");
}

export const TEMPLATE_DB = "tracecast_test_template";


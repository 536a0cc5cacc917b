// Where the database lives. PostgreSQL when DATABASE_URL is set; otherwise the embedded PGlite
// database in PGLITE_DIR (default ./.data/pglite, relative to the project directory; "memory://" for a
// throwaway in-memory one).
import fs from "node:fs";
import path from "node:path";
// Relative, not "@/…": prisma.config.ts loads this file without tsconfig's paths.
import { inProject } from "./project-dir";

export function databaseUrl(): string | undefined {
  const url = process.env.DATABASE_URL?.trim();
  return url ? url : undefined;
}

/** The PGlite data directory; its parent is created (PGlite only creates the last level). */
export function pgliteDir(): string {
  const dir = process.env.PGLITE_DIR?.trim() || "./.data/pglite";
  if (dir.startsWith("memory://")) return dir;
  const abs = inProject(dir);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return abs;
}

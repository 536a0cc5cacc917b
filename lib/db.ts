// The one Prisma client. PostgreSQL through adapter-pg when DATABASE_URL is set, otherwise the
// embedded PGlite database (no server, no download). Same schema and migrations for both.
import "server-only";
import fs from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl, pgliteDir } from "@/lib/db-location";

type Db = { prisma: PrismaClient; pglite: PGlite | null };

function connect(): Db {
  const url = databaseUrl();
  if (url) {
    const adapter = new PrismaPg({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
    return { prisma: new PrismaClient({ adapter }), pglite: null };
  }
  // TRACECAST_PGLITE_SEED: a dumpDataDir() image to start an in-memory database from (the test
  // harness uses a migrated image, so each test file gets a fresh database in milliseconds).
  const seed = process.env.TRACECAST_PGLITE_SEED;
  const pglite = new PGlite(pgliteDir(), seed ? { loadDataDir: new Blob([fs.readFileSync(seed)]) } : {});
  return { prisma: new PrismaClient({ adapter: new PrismaPGlite(pglite) }), pglite };
}

// One instance per process, also across Next.js dev reloads (a PGlite dir admits one opener).
const globalDb = globalThis as unknown as { __tracecastDb?: Db };
const db = (globalDb.__tracecastDb ??= connect());

export const prisma = db.prisma;
/** The embedded database, when that is what runs (tests replay migrations into it). */
export const embeddedDb = db.pglite;
export const isEmbedded = db.pglite !== null;
export type { PrismaClient };

// The one Prisma client. PostgreSQL through adapter-pg when DATABASE_URL is set, otherwise the
// embedded PGlite database (no server, no download). Same schema and migrations for both.
import "server-only";
import { connectDatabase, type DatabaseConnection } from "@/lib/db-client";

// One instance per process, also across Next.js dev reloads (a PGlite dir admits one opener).
const globalDb = globalThis as unknown as { __tracecastDb?: DatabaseConnection };
const db = (globalDb.__tracecastDb ??= connectDatabase());

export const prisma = db.prisma;
/** The embedded database, when that is what runs (tests replay migrations into it). */
export const embeddedDb = db.pglite;
export const isEmbedded = db.pglite !== null;
export type { PrismaClient } from "@/lib/generated/prisma/client";
export type { Db } from "@/lib/db-client";

// The one Prisma client. PostgreSQL through adapter-pg when DATABASE_URL is set, otherwise the
// embedded PGlite database (no server, no download). Same schema and migrations for both.
import "server-only";
import { connectDatabase, type DatabaseConnection, type SqlParameter } from "@/lib/db-client";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { processSingleton, takeProcessSingleton } from "@/lib/process/singleton";

// One connection per process, also across Next.js dev reloads (a PGlite dir admits one opener).
// Opened on first use, not on import: `next build` imports route modules in several worker
// processes to collect page data, and each opening the same PGlite directory corrupts it.
const DB = "database";
const connection = (): DatabaseConnection => processSingleton(DB, connectDatabase);

const client = () => connection().prisma;

/** Statements straight on the driver, past Prisma (the ingest hot path): see DatabaseConnection.query. */
export const driver = {
  query: <Row>(sql: string, params: SqlParameter[], statementName?: string): Promise<Row[]> => connection().query<Row>(sql, params, statementName),
};

/**
 * Closes the connection (for PGlite: releases its directory, which admits one opener, so another
 * process can open it); the next use opens it again. tests/reliability/crash.test.ts hands the
 * database to a worker process this way and reopens it after killing the worker.
 */
export async function closeDatabase(): Promise<void> {
  await takeProcessSingleton<DatabaseConnection>(DB)?.close();
}

// Forwards every operation (including vi.spyOn's defineProperty) to the real client once opened.
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const value = Reflect.get(client(), property);
    return typeof value === "function" ? value.bind(client()) : value;
  },
  set: (_target, property, value) => Reflect.set(client(), property, value),
  has: (_target, property) => Reflect.has(client(), property),
  defineProperty: (_target, property, descriptor) => Reflect.defineProperty(client(), property, descriptor),
  deleteProperty: (_target, property) => Reflect.deleteProperty(client(), property),
  getOwnPropertyDescriptor(_target, property) {
    const descriptor = Reflect.getOwnPropertyDescriptor(client(), property);
    // A proxy may not report a non-configurable property its own target lacks.
    return descriptor ? { ...descriptor, configurable: true } : undefined;
  },
  ownKeys: () => Reflect.ownKeys(client()),
});

/**
 * Planner settings under which a read follows its ordered indexes and looks each joined row up by
 * index: no bitmap or sequential scans, sorts, hash or merge joins. The database functions whose
 * plans must not depend on statistics (migrations log_read_plan, waiting_plan) carry the same.
 */
const INDEX_ORDER = ["enable_bitmapscan", "enable_seqscan", "enable_sort", "enable_hashjoin", "enable_mergejoin", "enable_material"]
  .map((name) => `set_config('${name}', 'off', true)`)
  .join(", ");

/**
 * Runs a read that stops at a page of rows (`ORDER BY … LIMIT`, served by an index) under
 * INDEX_ORDER, in one transaction. Without statistics on fresh rows (the embedded database runs
 * no autovacuum: always, right after a burst) the planner otherwise reads every matching row and
 * sorts them to keep the page.
 */
export async function queryInIndexOrder<Row>(statement: Prisma.Sql): Promise<Row[]> {
  const [, rows] = await prisma.$transaction([prisma.$executeRawUnsafe(`SELECT ${INDEX_ORDER}`), prisma.$queryRaw<Row[]>(statement)]);
  return rows;
}

export type { PrismaClient } from "@/lib/generated/prisma/client";
export type { Db } from "@/lib/db-client";

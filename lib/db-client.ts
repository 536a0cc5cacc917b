// Opens a Prisma client on the configured database: PostgreSQL through adapter-pg when DATABASE_URL
// is set, otherwise the embedded PGlite database (on its own thread, through the same driver). Free of "server-only" so scripts run by tsx outside
// Next (prisma/seed.mts) open the database exactly the way the app does; the app itself uses the
// one shared client of lib/db.ts.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl, pgliteDir } from "@/lib/db-location";
import { startPgliteThread } from "@/lib/pglite-thread";

export type DatabaseConnection = {
  prisma: PrismaClient;
  /**
   * Runs one parameterized statement on the driver itself, past Prisma, and returns its rows as
   * node-postgres parses them (arrays and JSON parsed; `timestamp` columns would come back in the
   * process's time zone, unlike Prisma's UTC: select none). For the ingest hot path only: Prisma
   * compiles every query anew, which cost more CPU than the statement itself for the insert with
   * its large JSON parameters, and ~2 ms of one uninterrupted turn of the event loop for the routing
   * read (bench/ingest.bench.mts profiles). The same pool as the Prisma client. `statementName` makes
   * it a prepared statement, parsed and planned once per connection (a single-trace insert on
   * PostgreSQL: 0.63 → 0.46 ms p50 in a loop, half the p99).
   */
  query<Row>(sql: string, params: SqlParameter[], statementName?: string): Promise<Row[]>;
  /** Disconnects Prisma and closes the pool (and PGlite: its directory admits one opener). */
  close(): Promise<void>;
};

/** What the statements of DatabaseConnection.query take: what node-postgres sends PostgreSQL as text, unchanged. */
export type SqlParameter = string | number | boolean | null;

/** The client or an interactive-transaction client: what functions that may run inside a transaction take. */
export type Db = PrismaClient | Prisma.TransactionClient;

export function connectDatabase(): DatabaseConnection {
  const url = databaseUrl();
  if (url) {
    // A bounded wait for a connection: with a server that does not answer (or every pooled
    // connection busy) a request fails as "database unavailable" (503) instead of hanging.
    const pool = new pg.Pool({
      connectionString: url,
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      connectionTimeoutMillis: Number(process.env.DATABASE_CONNECT_TIMEOUT_MS ?? 10_000),
      // A server that stops answering on an open connection (a network partition, a frozen host)
      // must not hold a request, or the ingest commit queue behind it, until TCP gives up (many
      // minutes): the query fails as "database unavailable" and its connection is discarded.
      query_timeout: Number(process.env.DATABASE_QUERY_TIMEOUT_MS ?? 30_000),
      keepAlive: true,
    });
    return onPool(pool, new PrismaClient({ adapter: new PrismaPg(pool) }), () => pool.end());
  }
  // The embedded database on its own thread (lib/pglite-thread), reached through the same pg and
  // adapter-pg as PostgreSQL. TRACECAST_PGLITE_SEED: a dumpDataDir() image to start an in-memory
  // database from (the test harness uses a migrated image, so each test file gets a fresh database
  // in milliseconds).
  const thread = startPgliteThread({
    dataDir: pgliteDir(),
    seedPath: process.env.TRACECAST_PGLITE_SEED || undefined,
    slowStatementMs: Number(process.env.TRACECAST_SLOW_STATEMENT_MS ?? 1000),
    slowStatementPlans: process.env.TRACECAST_SLOW_STATEMENT_PLANS === "1",
    sharedBuffers: pgliteSharedBuffers(),
  });
  const pool = new pg.Pool({
    stream: () => thread.connect(),
    // PGlite's defaults; it checks no password.
    user: "postgres",
    database: "postgres",
    // PGlite is one session: one connection, kept open (reopening would prepare every statement again).
    max: 1,
    idleTimeoutMillis: 0,
    // Interactive transactions hold the one connection, so under load a request may wait for it:
    // a queue position, not a pool timeout (the same bound for Prisma's wait to start a transaction).
    connectionTimeoutMillis: PGLITE_CONNECTION_WAIT_MS,
    // The idle connection does not keep a script (prisma/seed.mts) from ending.
    allowExitOnIdle: true,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: PGLITE_CONNECTION_WAIT_MS } });
  return onPool(pool, prisma, async () => {
    await pool.end();
    await thread.close();
  });
}

const PGLITE_CONNECTION_WAIT_MS = 15_000;

/**
 * PGlite's page cache (shared_buffers), TRACECAST_PGLITE_SHARED_BUFFERS. Smaller than PostgreSQL's
 * 128MB default: it lives in the WebAssembly memory, which never shrinks, so it was ~160 MiB of
 * the server's resident memory for good; the operating system caches the data files as well.
 */
function pgliteSharedBuffers(): string {
  const value = process.env.TRACECAST_PGLITE_SHARED_BUFFERS?.trim() || "32MB";
  if (!/^\d+(kB|MB|GB)$/.test(value)) throw new Error(`TRACECAST_PGLITE_SHARED_BUFFERS must be a size such as 32MB (got ${JSON.stringify(value)})`);
  return value;
}

/** The connection of `prisma`'s pool; `end` closes the pool (and, for PGlite, the database). */
function onPool(pool: pg.Pool, prisma: PrismaClient, end: () => Promise<void>): DatabaseConnection {
  // An idle connection losing its server (a restart) must not crash the process: the pool drops
  // it, and the requests that then find the database down report it (503, one line each).
  pool.on("error", () => {});
  return {
    prisma,
    query: async <Row>(sql: string, params: SqlParameter[], statementName?: string) =>
      (await pool.query({ text: sql, values: params, name: statementName })).rows as Row[],
    close: async () => {
      await prisma.$disconnect();
      await end();
    },
  };
}

/** A unique constraint refused the write (Prisma P2002), e.g. a second account with the same email. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

// What a database that is down, restarting or unreachable looks like from here (measured against a
// PostgreSQL server stopped and started under load, tests/reliability/postgres-restart.test.ts):
/** Prisma: can't reach (P1001), connect timeout (P1002), connection closed (P1017), pool timeout (P2024), too many connections (P2037). */
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024", "P2037"]);
/** adapter-pg's DriverAdapterError kinds for the same (a raw query reports them as P2010 with this cause). */
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** SQLSTATE class 08 (connection exception), admin/crash shutdown and "starting up" (57P01–57P03), too many connections (53300). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** node-postgres reports a lost connection, a pool wait or a query (query_timeout) that timed out as a bare Error, known only by its message. */
const NODE_POSTGRES_CONNECTION_LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Query read timeout)/;

/**
 * The database cannot be used right now (down, restarting, unreachable, out of connections): a
 * condition to retry later (503), unlike a bug or a refused statement. Looks through the causes
 * Prisma and the driver adapter wrap around the driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pending = [error];
  const seen = new Set<unknown>();
  while (pending.length) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, errorCode, kind, message, cause, meta } = current as {
      code?: unknown;
      errorCode?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    for (const value of [code, errorCode]) {
      if (typeof value !== "string") continue;
      if (UNAVAILABLE_PRISMA_CODES.has(value) || UNAVAILABLE_SQLSTATE.test(value) || SOCKET_ERRORS.has(value)) return true;
    }
    if (typeof kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && NODE_POSTGRES_CONNECTION_LOST.test(message)) return true;
    pending.push(cause, meta?.driverAdapterError);
  }
  return false;
}

/**
 * Serializes membership changes of one workspace: rules such as "the last owner stays" read the
 * other memberships, so two concurrent changes must not both pass their check on the same snapshot.
 */
export async function lockWorkspace(tx: Prisma.TransactionClient, workspaceId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Workspace" WHERE id = ${workspaceId} FOR UPDATE`;
}

// Opens a Prisma client on the configured database: PostgreSQL through adapter-pg when DATABASE_URL
// is set, otherwise the embedded PGlite database. Free of "server-only" so scripts run by tsx outside
// Next (prisma/seed.mts) open the database exactly the way the app does; the app itself uses the
// one shared client of lib/db.ts.
import fs from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl, pgliteDir } from "@/lib/db-location";

export type DatabaseConnection = {
  prisma: PrismaClient;
  /**
   * Runs one parameterized statement on the driver itself, past Prisma, and returns its rows as the
   * driver parses them (arrays and JSON parsed; `timestamp` columns would come back in the process's
   * time zone, unlike Prisma's UTC: select none). For the ingest hot path only: Prisma compiles
   * every query anew, which cost more CPU than the statement itself for the insert with its large
   * JSON parameters, and ~2 ms of one uninterrupted turn of the event loop for the routing read
   * (bench/ingest.bench.mts profiles). The same pool (PostgreSQL) or the same single connection
   * (PGlite, whose query() waits for any open transaction) as the Prisma client. `statementName`
   * (a lower-case SQL identifier) makes it a prepared statement, parsed and planned once per
   * connection: on PostgreSQL through the protocol (a single-trace insert: 0.63 → 0.46 ms p50 in a
   * loop, half the p99); on PGlite as `PREPARE` once, then `EXECUTE` with the parameters written as
   * SQL literals in a simple-protocol query, which costs PGlite less than its
   * extended protocol with bind parameters (a single-trace insert in a loop: 0.82–1.0 → 0.55–0.61 ms).
   */
  query<Row>(sql: string, params: SqlParameter[], statementName?: string): Promise<Row[]>;
  /** Disconnects Prisma and closes the driver (a PGlite directory admits one opener). */
  close(): Promise<void>;
};

/** What the statements of DatabaseConnection.query take: what both drivers pass to PostgreSQL as text, unchanged. */
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
    // An idle connection losing its server (a restart) must not crash the process: the pool drops
    // it, and the requests that then find the database down report it (503, one line each).
    pool.on("error", () => {});
    return withDriver(new PrismaClient({ adapter: new PrismaPg(pool) }), {
      query: (text, values, name) => pool.query({ text, values, name }),
      end: () => pool.end(),
    });
  }
  // TRACECAST_PGLITE_SEED: a dumpDataDir() image to start an in-memory database from (the test
  // harness uses a migrated image, so each test file gets a fresh database in milliseconds).
  const seed = process.env.TRACECAST_PGLITE_SEED;
  const pglite = new PGlite(pgliteDir(), seed ? { loadDataDir: new Blob([fs.readFileSync(seed)]) } : {});
  // pglite-prisma-adapter 0.6.1 bundles driver-adapter-utils 6.10, whose ArgType union is narrower
  // than 6.19's; the wire contract between client and adapter is the same, so only the types differ.
  const adapter = new PrismaPGlite(pglite) as unknown as SqlDriverAdapterFactory;
  // PGlite is one connection: interactive transactions queue behind each other, so under load the
  // default 2 s wait to start one is too short; it is a queue position, not a pool timeout.
  const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000 } });
  return withDriver(prisma, { query: preparingQuery(pglite), end: () => pglite.close() });
}

/**
 * PGlite's query() with named statements prepared in SQL (see DatabaseConnection.query). Each name
 * is prepared once on this connection; callers that arrive while it is being prepared wait for it,
 * and a failed PREPARE is tried again by the next call.
 */
function preparingQuery(pglite: PGlite) {
  const prepared = new Map<string, Promise<unknown>>();
  return async (sql: string, params: SqlParameter[], statementName?: string) => {
    if (!statementName) return pglite.query(sql, params);
    let preparing = prepared.get(statementName);
    if (!preparing) {
      preparing = pglite.exec(`PREPARE ${statementName} AS ${sql}`);
      prepared.set(statementName, preparing);
      preparing.catch(() => prepared.delete(statementName));
    }
    await preparing;
    const [result] = await pglite.exec(params.length ? `EXECUTE ${statementName}(${params.map(sqlLiteral).join(", ")})` : `EXECUTE ${statementName}`);
    return result;
  };
}

/**
 * A parameter as a SQL literal. Strings follow pg's escapeLiteral: quotes doubled, and with any
 * backslash an E'' literal with backslashes doubled, which reads the same whatever
 * standard_conforming_strings says. Not escapeLiteral itself: it builds the result one character
 * at a time, 59 ms for the 0.6 MB of a 300-trace commit (replaceAll: 0.7 ms).
 */
function sqlLiteral(value: SqlParameter): string {
  if (value === null) return "NULL";
  if (typeof value === "string")
    return value.includes("\\") ? ` E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'` : `'${value.replaceAll("'", "''")}'`;
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
  return String(value);
}

/** The connection of a Prisma client and the driver under it (pg's Pool, or PGlite as one). */
function withDriver(
  prisma: PrismaClient,
  driver: { query(sql: string, params: SqlParameter[], statementName?: string): Promise<{ rows: unknown[] }>; end(): Promise<void> },
): DatabaseConnection {
  return {
    prisma,
    query: async <Row>(sql: string, params: SqlParameter[], statementName?: string) => {
      // PGlite splices the name into SQL; both drivers get the same rule.
      if (statementName !== undefined && !/^[a-z_][a-z0-9_]*$/.test(statementName))
        throw new Error(`Statement name must be a lower-case SQL identifier: "${statementName}"`);
      return (await driver.query(sql, params, statementName)).rows as Row[];
    },
    close: async () => {
      await prisma.$disconnect();
      await driver.end();
    },
  };
}

/** A unique constraint refused the write (Prisma P2002), e.g. a second account with the same email. */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  // pglite-prisma-adapter 0.6.1 reports the raw PostgreSQL error ({ kind: "postgres", code }) as a
  // DriverAdapterError, which the client does not map to P2002: 23505 is unique_violation.
  const adapterError = error as { name?: unknown; cause?: { code?: unknown } } | null;
  return adapterError?.name === "DriverAdapterError" && adapterError.cause?.code === "23505";
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

// PostgreSQL: the rows of pg-rows.ts inserted into a table of the user's own database over the wire
// protocol, with `pg` (node-postgres, already the app's driver): one multi-row
//   INSERT INTO "schema"."table" (trace_id, …) VALUES ($1::text, …), (…) ON CONFLICT DO NOTHING
// per batch, every value a bound parameter (never SQL built from trace content). The primary key of
// the setup SQL makes a batch sent again after a lost answer insert nothing twice.
// https://www.postgresql.org/docs/current/sql-insert.html, https://node-postgres.com/apis/client
//
// One connection per delivery attempt, closed after it, rather than a pool per destination: each
// attempt resolves the host again through the SSRF guard and connects to the address it checked
// (a long-lived pool would keep talking to an address checked once, and need closing in every
// server process whenever the destination's settings change or it is deleted). A batch carries up
// to MAX_BATCH traces, so the handshake is paid once for many rows.
//
// SSRF: the host of the connection string is resolved by the guard (ctx.resolveTarget) and `pg`
// connects to that IP address, so a private or loopback database is refused unless
// TRACECAST_ALLOW_PRIVATE_TARGETS is on, exactly as an HTTP destination is, and a DNS answer that
// changes between check and connect (rebinding) is never used: the name is not resolved twice.
// With TLS verify-full the certificate is still checked against the host name (TLS servername).
//
// Failures: the statement is all or nothing. When PostgreSQL refuses the batch for a value (a data
// exception, class 22, or a constraint, class 23), each trace is inserted alone on the same
// connection, so only the traces it refuses fail (permanently, each with PostgreSQL's message) and
// the rest is delivered. Missing table or columns, authentication and privileges are configuration
// errors; connection failures, timeouts and server shutdowns are retried.
import net from "node:net";
import pg from "pg";
import { z } from "zod";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { transportError } from "@/lib/outbound/sdk-errors";
import { PG_COLUMNS, PG_TABLE_NAME, PG_TABLE_NAME_MESSAGE, PG_TYPES, pgRowValues, pgSetupSql, quotedTable } from "./pg-rows";
import { traceRows, type TraceRow } from "./rows";
import type { DeliverContext, OutboundTrace, TestResult, TraceFailures } from "./types";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";

const MAX_BATCH = 500;
/** Rows per statement: PostgreSQL binds at most 65,535 parameters, one per column of each row. */
const MAX_ROWS_PER_STATEMENT = Math.floor(65_535 / PG_COLUMNS.length);

type Endpoint = { host: string; port: number; user: string; password?: string; database: string };

/** `postgresql://user:password@host:5432/database` → its parts, or why it is not usable. */
export function parseConnectionString(text: string): Endpoint | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "Connection String must look like postgresql://user:password@host:5432/database";
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") return "Connection String must start with postgresql://";
  if (!url.hostname) return "Connection String must name a host (a Unix socket cannot be reached)";
  if (url.hostname.includes(",")) return "Connection String must name one host";
  if (url.search) return "Connection String must not carry parameters (?…): choose TLS with the TLS field";
  if (!url.username) return "Connection String must name a user";
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: database || decodeURIComponent(url.username),
  };
}

const endpointOf = (text: string): Endpoint => {
  const parsed = parseConnectionString(text);
  if (typeof parsed === "string") throw new DeliveryError("config", parsed, { retryable: false });
  return parsed;
};

type TlsMode = "verify-full" | "require" | "disable";
type PostgresConfig = { connectionString: string; table: string; tlsMode: TlsMode };

/**
 * `pg`'s ssl option: verify-full checks the certificate against the host name, require only encrypts.
 * `pg` connects to the checked IP address, so the name is given as the TLS server name: SNI (hosted
 * databases route on it) and the name the certificate is checked against. An IP literal is no server name.
 */
function sslOption(mode: TlsMode, host: string): pg.ClientConfig["ssl"] {
  if (mode === "disable") return false;
  return { rejectUnauthorized: mode === "verify-full", ...(net.isIP(host) === 0 ? { servername: host } : {}) };
}

/** SQLSTATEs no retry can fix, with what the user should do. https://www.postgresql.org/docs/current/errcodes-appendix.html */
const CONFIG_STATES: Record<string, string> = {
  "42P01": "the table does not exist: create it with the setup SQL",
  "42703": "the table is missing columns: recreate it with the setup SQL",
  "42804": "a column has an unexpected type: recreate the table with the setup SQL",
  "42501": "the user lacks a privilege on the table (GRANT SELECT, INSERT: see the setup SQL)",
  "28P01": "authentication failed: check the user and password",
  "28000": "the server refused this user (pg_hba.conf or authorization)",
  "3D000": "the database does not exist",
  "3F000": "the schema does not exist",
  "42P10": "the table's unique constraint does not fit: recreate it with the setup SQL",
  "25006": "the database is read-only",
};

const TLS_CODES = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED"]);

/** A value PostgreSQL refuses (data exception or constraint), as opposed to the table or server failing. */
const isValueError = (err: unknown): boolean => {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^2[23]/.test(code) && code !== "23505";
};

/** `during`: what was refused, for the message ("the insert into", "the test of"). */
function postgresError(err: unknown, ctx: Pick<DeliverContext, "signal" | "timeoutMs">, target: string, during = "the insert into"): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { code?: string; message?: string; detail?: string };
  // The server writes these: kept to a line each, as a hostile or verbose server could send pages.
  const message = (e?.message ?? String(err)).slice(0, 300);
  const detail = e?.detail?.slice(0, 300);
  if (err instanceof pg.DatabaseError && e.code) {
    const advice = CONFIG_STATES[e.code];
    if (advice) return new DeliveryError("config", `PostgreSQL refused ${during} ${target}: ${advice} (${e.code}: ${message})`, { retryable: false, cause: err });
    if (isValueError(err)) return new DeliveryError("encode", `PostgreSQL refused a value for ${target} (${e.code}: ${message}${detail ? `; ${detail}` : ""})`, { retryable: false, cause: err });
    return new DeliveryError("http", `PostgreSQL failed ${during} ${target} (${e.code}: ${message})`, { retryable: true, cause: err });
  }
  if (message.includes("does not support SSL")) {
    return new DeliveryError("config", `${target}: the server does not accept TLS connections (choose TLS "disable" only for a server on a private network)`, { retryable: false, cause: err });
  }
  if (e?.code && TLS_CODES.has(e.code)) {
    return new DeliveryError("config", `${target}: the server's TLS certificate could not be verified (${e.code}); choose TLS "require" to encrypt without verifying`, { retryable: false, cause: err });
  }
  if (/timeout/i.test(message)) return new DeliveryError("timeout", `${target} did not answer within ${ctx.timeoutMs} ms`, { retryable: true, cause: err });
  return transportError(err, ctx, target);
}

/** A connected client for one delivery attempt, to the address the SSRF guard checked; ended by the caller. */
async function connect(config: PostgresConfig, ctx: DeliverContext): Promise<pg.Client> {
  const endpoint = endpointOf(config.connectionString);
  const { address } = await ctx.resolveTarget(endpoint.host);
  const client = new pg.Client({
    host: address,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    ssl: sslOption(config.tlsMode, endpoint.host),
    application_name: "tracecast",
    connectionTimeoutMillis: ctx.timeoutMs,
    query_timeout: ctx.timeoutMs,
    statement_timeout: ctx.timeoutMs,
  });
  // A connection that breaks later is reported by the query in flight; without a listener it would crash the process.
  client.on("error", () => {});
  const abort = () => client.connection.stream.destroy();
  ctx.signal.addEventListener("abort", abort, { once: true });
  client.once("end", () => ctx.signal.removeEventListener("abort", abort));
  try {
    await client.connect();
  } catch (err) {
    ctx.signal.removeEventListener("abort", abort);
    throw err;
  }
  return client;
}

const CAST_VALUES = (row: number) => `(${PG_COLUMNS.map((c, i) => `$${row * PG_COLUMNS.length + i + 1}::${PG_TYPES[c.kind]}`).join(", ")})`;

/** The statements for `rows`: text with one cast parameter per value, and the values. */
function insertStatements(table: string, rows: TraceRow[]): { text: string; values: unknown[] }[] {
  const head = `INSERT INTO ${quotedTable(table)} (${PG_COLUMNS.map((c) => c.name).join(", ")}) VALUES `;
  const statements: { text: string; values: unknown[] }[] = [];
  for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + MAX_ROWS_PER_STATEMENT);
    statements.push({ text: `${head}${chunk.map((_, i) => CAST_VALUES(i)).join(", ")} ON CONFLICT DO NOTHING`, values: chunk.flatMap(pgRowValues) });
  }
  return statements;
}

async function insert(client: pg.Client, table: string, traces: OutboundTrace[]): Promise<void> {
  for (const statement of insertStatements(table, traces.flatMap(traceRows))) await client.query(statement);
}

const tlsLabels = { "verify-full": "Verify (verify-full)", require: "Encrypt only (require)", disable: "Off (disable)" } as const;

export const postgresSetupSql = (config: Pick<PostgresConfig, "table">) =>
  pgSetupSql(config.table, [
    "",
    "-- The user of the connection string needs INSERT on the table (and SELECT for Test connection):",
    `-- GRANT SELECT, INSERT ON ${quotedTable(config.table)} TO <user>;`,
  ]);

/** Test connection: the table has every column, and the test trace's rows insert (in a transaction rolled back: nothing is kept). */
async function testTable(config: PostgresConfig, ctx: DeliverContext): Promise<TestResult> {
  const target = config.table;
  const client = await connect(config, ctx).catch((err: unknown) => {
    throw postgresError(err, ctx, target, "the test of");
  });
  try {
    const probe = await client.query(`SELECT * FROM ${quotedTable(config.table)} LIMIT 0`);
    const present = new Set(probe.fields.map((f) => f.name));
    const missing = PG_COLUMNS.map((c) => c.name).filter((name) => !present.has(name));
    if (missing.length > 0) {
      return { ok: false, message: `The table ${target} is missing ${missing.length === 1 ? "the column" : "columns"} ${missing.join(", ")}: recreate it with the setup SQL` };
    }
    await client.query("BEGIN");
    try {
      await insert(client, config.table, [outbound(connectionTestTrace(), 1, "test-connection")]);
    } finally {
      await client.query("ROLLBACK");
    }
    return { ok: true, message: `PostgreSQL accepted the test rows for ${target} (rolled back: nothing was kept)` };
  } catch (err) {
    throw postgresError(err, ctx, target, "the test of");
  } finally {
    await client.end().catch(() => {});
  }
}

export default defineDestination({
  type: "postgres",
  name: "PostgreSQL",
  category: "Data warehouse & storage",
  description: "One row per observation in a table of your own PostgreSQL database, over its wire protocol.",
  docsUrl: "https://www.postgresql.org/docs/current/sql-insert.html",
  config: z.object({
    connectionString: field
      .secret("Connection String", {
        help: "postgresql://user:password@host:5432/database (percent-encode special characters in the password).",
        placeholder: "postgresql://tracecast:password@db.example.com:5432/analytics",
      })
      .superRefine((text, issue) => {
        const parsed = parseConnectionString(text);
        if (typeof parsed === "string") issue.addIssue({ code: "custom", message: parsed });
      }),
    table: field.text("Table", { pattern: PG_TABLE_NAME, patternMessage: PG_TABLE_NAME_MESSAGE, max: 127 }).default("tracecast_traces"),
    tlsMode: field
      .select("TLS", ["verify-full", "require", "disable"], {
        labels: tlsLabels,
        target: true,
        help: "verify-full checks the server's certificate and name; require only encrypts; disable sends everything in clear (a server on a private network only).",
      })
      .default("verify-full"),
  }),
  maxBatch: MAX_BATCH,
  setupSql: postgresSetupSql,
  async deliver(traces, config, ctx): Promise<void | TraceFailures> {
    const target = config.table;
    let client: pg.Client | undefined;
    try {
      client = await connect(config, ctx);
      try {
        await insert(client, config.table, traces);
        return;
      } catch (err) {
        if (!isValueError(err) || traces.length === 1) throw err;
      }
      // A value was refused: find the traces it belongs to, one insert each, and deliver the others.
      const failures: TraceFailures = new Map();
      for (const trace of traces) {
        try {
          await insert(client, config.table, [trace]);
        } catch (err) {
          if (!isValueError(err)) throw err;
          failures.set(trace.delivery_id, postgresError(err, ctx, target));
        }
      }
      if (failures.size === traces.length) throw [...failures.values()][0];
      return failures;
    } catch (err) {
      throw postgresError(err, ctx, target);
    } finally {
      await client?.end().catch(() => {});
    }
  },
  test: testTable,
});

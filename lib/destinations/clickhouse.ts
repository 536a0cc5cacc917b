// ClickHouse through the official @clickhouse/client (HTTP interface): rows of rows.ts inserted with
// `INSERT INTO db.table FORMAT JSONEachRow`, one insert per batch.
//
// The table is created once by the user with `setupSql` (shown in the settings form): a
// ReplacingMergeTree ordered by (TRACE_ID, SPAN_ID), so rows written again by a retried batch
// collapse into one (query with FINAL, or wait for merges, to see them deduplicated). Timestamps are
// DateTime64(3, 'UTC'); JSON columns are Strings (query them with JSONExtract*), as in OpenRouter's
// ClickHouse docs.
//
// "Test connection" is the default one: the synthetic test trace is inserted (rows with IS_TEST = 1),
// which proves the table exists, has the expected columns and is writable by this user, and reports
// ClickHouse's own error otherwise.
import { ClickHouseError, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { z } from "zod";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { ROW_COLUMNS, SQL_IDENTIFIER, SQL_IDENTIFIER_MESSAGE, traceRows, type ColumnKind, type TraceRow } from "./rows";
import { transportError } from "@/lib/outbound/sdk-errors";
import { guardedAgentFor } from "@/lib/outbound/ssrf";
import type { OutboundTrace } from "./types";

const MAX_BATCH = 500;

const CLICKHOUSE_TYPES: Record<ColumnKind, string> = {
  text: "String",
  int: "UInt64",
  float: "Float64",
  bool: "Bool",
  timestamp: "DateTime64(3, 'UTC')",
  json: "String",
  tags: "Array(String)",
};

const quote = (identifier: string) => `\`${identifier}\``;
const tableRef = (config: { database: string; table: string }) => `${quote(config.database)}.${quote(config.table)}`;

/** ISO-8601 UTC → the `YYYY-MM-DD hh:mm:ss.sss` text DateTime64 parses without best-effort mode. */
const clickhouseTime = (iso: string) => new Date(iso).toISOString().replace("T", " ").replace("Z", "");

/** A row as JSONEachRow expects it for the setupSql table. */
export function clickhouseRow(row: TraceRow): Record<string, unknown> {
  return Object.fromEntries(
    ROW_COLUMNS.map(({ name, kind }) => {
      const value = row[name];
      if (value === null) return [name, null];
      if (kind === "timestamp") return [name, clickhouseTime(value as string)];
      if (kind === "json") return [name, JSON.stringify(value)];
      return [name, value];
    }),
  );
}

export function clickhouseRows(traces: OutboundTrace[]): Record<string, unknown>[] {
  return traces.flatMap(traceRows).map(clickhouseRow);
}

/** ClickHouse error codes that no retry can fix, with what the user should do about them. */
const PERMANENT_CODES: Record<string, string> = {
  "60": "the table does not exist: create it with the setup SQL",
  "81": "the database does not exist",
  "516": "authentication failed: check the username and password",
  "192": "the user does not exist",
  "497": "the user may not insert into this table (GRANT INSERT)",
  "164": "the user is read-only",
  "16": "the table is missing columns: recreate it with the setup SQL",
  "8": "the table is missing columns: recreate it with the setup SQL",
  "53": "a column has an unexpected type: recreate the table with the setup SQL",
  "70": "a column has an unexpected type: recreate the table with the setup SQL",
  "6": "a value could not be parsed for its column: recreate the table with the setup SQL",
  "26": "a value could not be parsed for its column: recreate the table with the setup SQL",
  "27": "a value could not be parsed for its column: recreate the table with the setup SQL",
  "41": "a value could not be parsed for its column: recreate the table with the setup SQL",
  "117": "a value could not be parsed for its column: recreate the table with the setup SQL",
  "62": "the table name is not valid SQL",
};

export function clickhouseDeliveryError(err: unknown, ctx: Parameters<typeof transportError>[1], target: string): DeliveryError {
  if (!(err instanceof ClickHouseError)) return transportError(err, ctx, target);
  const advice = PERMANENT_CODES[err.code];
  const summary = err.message.split("\n")[0].slice(0, 300);
  return new DeliveryError(advice ? "config" : "http", `ClickHouse refused the insert into ${target}${advice ? `: ${advice}` : ""} (code ${err.code}${err.type ? ` ${err.type}` : ""})`, {
    retryable: advice === undefined,
    responseBody: summary,
    cause: err,
  });
}

type ClickHouseConfig = { host: string; database: string; table: string; username: string; password?: string; headers: Record<string, string> };

export function clickhouseSetupSql(config: Pick<ClickHouseConfig, "database" | "table">): string {
  const columns = ROW_COLUMNS.map(({ name, kind, nullable }) => {
    const type = CLICKHOUSE_TYPES[kind];
    return `    ${quote(name)} ${nullable && kind !== "tags" ? `Nullable(${type})` : type}`;
  });
  return [
    `CREATE TABLE IF NOT EXISTS ${tableRef(config)}`,
    "(",
    columns.join(",\n"),
    ")",
    "ENGINE = ReplacingMergeTree",
    "PARTITION BY toYYYYMM(START_TIME)",
    "ORDER BY (TRACE_ID, SPAN_ID)",
  ].join("\n");
}

const identifier = (label: string) => field.text(label, { pattern: SQL_IDENTIFIER, patternMessage: `${label} ${SQL_IDENTIFIER_MESSAGE}`, max: 255 });

export default defineDestination({
  type: "clickhouse",
  name: "ClickHouse",
  category: "Data warehouse & storage",
  description: "One row per observation in a ClickHouse table, through the HTTP interface.",
  docsUrl: "https://clickhouse.com/docs/interfaces/http",
  config: z.object({
    host: field.url("Host", {
      help: "The HTTP(S) interface URL with its port, e.g. https://clickhouse.example.com:8443 or https://<instance>.<region>.clickhouse.cloud:8443.",
      placeholder: "https://clickhouse.example.com:8443",
    }),
    database: identifier("Database").default("default"),
    table: identifier("Table").default("OPENROUTER_TRACES"),
    username: field.text("Username", { help: "If you have not set a specific username, use default." }).default("default"),
    password: field.secret("Password").optional(),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  setupSql: clickhouseSetupSql,
  async deliver(traces, config, ctx) {
    const target = `${config.database}.${config.table}`;
    const client = createClient({
      url: config.host,
      username: config.username,
      password: config.password ?? "",
      database: config.database,
      application: "Tracecast",
      request_timeout: ctx.timeoutMs,
      // The SSRF guard's agent: the client connects to the address the guard resolved and checked.
      http_agent: guardedAgentFor(ctx.agents, config.host),
      http_headers: config.headers,
      // Failures are classified and reported by delivery (health, UI); the client's own logging would duplicate them.
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      await client.insert({ table: tableRef(config), values: clickhouseRows(traces), format: "JSONEachRow", abort_signal: ctx.signal });
    } catch (err) {
      throw clickhouseDeliveryError(err, ctx, target);
    } finally {
      await client.close();
    }
  },
});

// The rows of rows.ts as a PostgreSQL table, shared by the PostgreSQL destination (wire protocol)
// and Supabase (PostgREST over HTTP, in front of the same kind of table): one DDL, one column list.
//
// Column names are the rows.ts names in lower case, as PostgreSQL folds unquoted names, so the table
// is queried without quotes (`SELECT trace_id, model FROM tracecast_traces`). (trace_id, span_id) is
// the primary key: a batch sent again after a lost answer inserts nothing twice (ON CONFLICT DO
// NOTHING, PostgREST's resolution=ignore-duplicates).
import { ROW_COLUMNS, SQL_IDENTIFIER, SQL_IDENTIFIER_MESSAGE, type ColumnKind, type TraceRow } from "./rows";

export const PG_TYPES: Record<ColumnKind, string> = {
  text: "text",
  int: "bigint",
  float: "double precision",
  bool: "boolean",
  timestamp: "timestamptz",
  json: "jsonb",
  tags: "text[]",
};

export const PG_COLUMNS = ROW_COLUMNS.map((c) => ({ ...c, name: c.name.toLowerCase() }));

/** A table name, optionally schema-qualified (`traces` or `analytics.traces`). */
export const PG_TABLE_NAME = new RegExp(`^(${SQL_IDENTIFIER.source.slice(1, -1)}\\.)?${SQL_IDENTIFIER.source.slice(1, -1)}$`);
export const PG_TABLE_NAME_MESSAGE = `Table must be a name or schema.name, each part ${SQL_IDENTIFIER_MESSAGE}`;

/** `analytics.traces` → `"analytics"."traces"`: every part is a validated identifier, quoted so its case is kept. */
export const quotedTable = (table: string) =>
  table
    .split(".")
    .map((part) => `"${part}"`)
    .join(".");

/**
 * PostgreSQL refuses U+0000 in text and jsonb values, which would fail the whole statement on every
 * retry: it becomes U+FFFD (the replacement character), the rest of the value unchanged.
 */
const withoutNul = (text: string) => text.replace(/\u0000/g, "\ufffd");

/** A row as its column values: JSON columns as JSON text (jsonb), tags as a string array (text[]). */
export function pgRowValues(row: TraceRow): unknown[] {
  return ROW_COLUMNS.map(({ name, kind }) => {
    const value = row[name];
    if (value === null) return null;
    if (kind === "json") return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? withoutNul(v) : v));
    if (kind === "tags") return (value as string[]).map(withoutNul);
    return typeof value === "string" ? withoutNul(value) : value;
  });
}

/** A row as PostgREST inserts it: column name → value (JSON columns as JSON values, not text). */
export function pgRowObject(row: TraceRow): Record<string, unknown> {
  const values = pgRowValues(row);
  return Object.fromEntries(PG_COLUMNS.map(({ name, kind }, i) => [name, kind === "json" && values[i] !== null ? JSON.parse(values[i] as string) : values[i]]));
}

/** The CREATE TABLE the user runs once (PostgreSQL and Supabase), with the destination's own notes after it. */
export function pgSetupSql(table: string, notes: string[]): string {
  const columns = PG_COLUMNS.map(({ name, kind, nullable }) => `    ${name} ${PG_TYPES[kind]}${nullable ? "" : " NOT NULL"}`);
  return [`CREATE TABLE IF NOT EXISTS ${quotedTable(table)} (`, `${columns.join(",\n")},`, "    PRIMARY KEY (trace_id, span_id)", ");", ...notes].join("\n");
}

// Trace → table rows for the warehouse destinations (ClickHouse, Snowflake), one column list for both.
//
// One row per observation (OpenRouter's Snowflake layout), cut from the shared trace document: the
// GENERATION row always, plus a SPAN row when the caller named a span. Queries written for
// OpenRouter's tables (`WHERE SPAN_TYPE = 'GENERATION'`) keep working, and the span hierarchy
// survives. (TRACE_ID, SPAN_ID) identifies a row; both derive from our ids, so a retried batch
// writes identical keys (ClickHouse ReplacingMergeTree collapses them).
//
// Differences from OpenRouter's DDL, on purpose: ids are up to 256 characters (callers choose their
// own ids, up to 128, and span rows add a suffix); TRACE_NAME/SPAN_NAME are columns rather than
// buried in METADATA; SAMPLING_RATE and IS_TEST are recorded; columns with no Tracecast source
// (ORGANIZATION_ID, ENTITY_ID, PROVIDER_SLUG, unit prices, OTel ATTRIBUTES/RESOURCE_ATTRIBUTES) are
// left out rather than always NULL.
import { traceDocument } from "./trace-document";
import type { OutboundTrace } from "./types";

export type ColumnKind = "text" | "int" | "float" | "bool" | "timestamp" | "json" | "tags";

type ColumnSpec = { name: string; kind: ColumnKind; nullable: boolean };

const col = (name: string, kind: ColumnKind, nullable = true): ColumnSpec => ({ name, kind, nullable });

export const ROW_COLUMNS = [
  col("TRACE_ID", "text", false),
  col("SPAN_ID", "text", false),
  col("PARENT_SPAN_ID", "text"),
  col("TRACE_NAME", "text", false),
  col("SPAN_NAME", "text", false),
  col("SPAN_TYPE", "text", false),
  col("TIMESTAMP", "timestamp", false),
  col("START_TIME", "timestamp", false),
  col("END_TIME", "timestamp", false),
  col("DURATION_MS", "float", false),
  col("USER_ID", "text"),
  col("SESSION_ID", "text"),
  col("API_KEY_NAME", "text"),
  col("MODEL", "text"),
  col("PROVIDER_NAME", "text"),
  col("STATUS", "text", false),
  col("LEVEL", "text", false),
  col("FINISH_REASON", "text"),
  col("OPERATION_NAME", "text"),
  col("PROMPT_TOKENS", "int"),
  col("COMPLETION_TOKENS", "int"),
  col("TOTAL_TOKENS", "int"),
  col("CACHED_TOKENS", "int"),
  col("REASONING_TOKENS", "int"),
  col("INPUT_COST", "float"),
  col("OUTPUT_COST", "float"),
  col("TOTAL_COST", "float"),
  col("INPUT", "json"),
  col("OUTPUT", "json"),
  col("METADATA", "json", false),
  col("MODEL_PARAMETERS", "json"),
  col("TAGS", "tags", false),
  col("SAMPLING_RATE", "float", false),
  col("IS_TEST", "bool", false),
] as const satisfies readonly ColumnSpec[];

export type ColumnName = (typeof ROW_COLUMNS)[number]["name"];

/** A row in neutral form: timestamps as ISO strings, JSON columns as values (each store serializes them its own way). */
export type TraceRow = Record<ColumnName, string | number | boolean | null | unknown[] | Record<string, unknown>>;

export function traceRows(t: OutboundTrace): TraceRow[] {
  const doc = traceDocument(t);
  return doc.observations.map((o) => {
    const generation = o.type === "GENERATION";
    return {
      TRACE_ID: doc.id,
      SPAN_ID: o.id,
      PARENT_SPAN_ID: o.parentObservationId,
      TRACE_NAME: doc.name,
      SPAN_NAME: o.name,
      SPAN_TYPE: o.type,
      TIMESTAMP: t.received_at,
      START_TIME: o.startTime,
      END_TIME: o.endTime,
      DURATION_MS: Date.parse(o.endTime) - Date.parse(o.startTime),
      USER_ID: doc.userId,
      SESSION_ID: doc.sessionId,
      API_KEY_NAME: doc.tracecast.apiKeyName,
      MODEL: o.model ?? null,
      PROVIDER_NAME: o.provider ?? null,
      STATUS: t.status,
      LEVEL: o.level === "ERROR" ? "ERROR" : "INFO",
      FINISH_REASON: o.finishReason ?? null,
      OPERATION_NAME: generation ? "chat" : null,
      PROMPT_TOKENS: o.usageDetails?.input ?? null,
      COMPLETION_TOKENS: o.usageDetails?.output ?? null,
      TOTAL_TOKENS: o.usageDetails?.total ?? null,
      CACHED_TOKENS: o.usageDetails?.cached ?? null,
      REASONING_TOKENS: o.usageDetails?.reasoning ?? null,
      INPUT_COST: o.costDetails?.input ?? null,
      OUTPUT_COST: o.costDetails?.output ?? null,
      TOTAL_COST: o.costDetails?.total ?? null,
      INPUT: o.input ?? null,
      OUTPUT: o.output ?? null,
      METADATA: { ...doc.metadata, ...o.metadata, ...(t.error ? { error: t.error } : {}) },
      MODEL_PARAMETERS: o.modelParameters ?? null,
      TAGS: doc.tags,
      SAMPLING_RATE: t.sampling_rate,
      IS_TEST: t.is_test,
    };
  });
}

/** A SQL identifier a user may configure (database, schema, table, warehouse): kept simple so it never needs escaping. */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
export const SQL_IDENTIFIER_MESSAGE = "may only contain letters, digits, _ and $, and must not start with a digit";

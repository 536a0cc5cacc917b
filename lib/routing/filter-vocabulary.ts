// The fields and operators of filter rules, apart from their evaluation in filters.ts: that module
// needs node:v8 for its regex engine, and the settings UI (a browser bundle) needs these lists to
// build its rule editor.
// OpenRouter's vocabulary (its API's ObservabilityFilterRuleGroup: the fields and operators below,
// nothing else), plus the trace's own metadata, which OpenRouter's rules cannot reach:
// `trace_name`, `environment` and `metadata.<key>` for any custom key of the `trace` object.
export const OPENROUTER_STRING_FIELDS = ["model", "provider", "session_id", "user_id", "api_key_name", "finish_reason", "input", "output"] as const;
/** Tracecast's additions: `trace.trace_name`, and `metadata.environment` (else `metadata.env`). */
export const TRACE_STRING_FIELDS = ["trace_name", "environment"] as const;
export const STRING_FIELDS = [...OPENROUTER_STRING_FIELDS, ...TRACE_STRING_FIELDS] as const;
export const NUMBER_FIELDS = ["total_cost", "total_tokens", "prompt_tokens", "completion_tokens"] as const;
export const FILTER_FIELDS = [...STRING_FIELDS, ...NUMBER_FIELDS] as const;

/** A custom key of the trace's `trace` object: `metadata.<key>` (text, numbers compared as numbers). */
export const METADATA_FIELD_PREFIX = "metadata.";
export const MAX_METADATA_KEY_LENGTH = 128;
/** A key is any text without control characters (keys are whatever the caller put in `trace`). */
export const METADATA_KEY_PATTERN = /^[^\p{Cc}]+$/u;

export const TEXT_OPERATORS = ["contains", "not_contains", "regex", "starts_with", "ends_with"] as const;
export const COMPARISON_OPERATORS = ["gt", "lt", "gte", "lte"] as const;
export const PRESENCE_OPERATORS = ["exists", "not_exists"] as const;
export const FILTER_OPERATORS = ["equals", "not_equals", ...TEXT_OPERATORS, ...COMPARISON_OPERATORS, ...PRESENCE_OPERATORS] as const;

export type KnownFilterField = (typeof FILTER_FIELDS)[number];
export type MetadataFilterField = `metadata.${string}`;
export type FilterField = KnownFilterField | MetadataFilterField;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** How each operator reads in a sentence: the rule builder, change-request diffs, audit entries. */
export const OPERATOR_LABELS: Record<FilterOperator, string> = {
  equals: "equals",
  not_equals: "does not equal",
  contains: "contains",
  not_contains: "does not contain",
  regex: "matches regex",
  starts_with: "starts with",
  ends_with: "ends with",
  gt: ">",
  lt: "<",
  gte: "≥",
  lte: "≤",
  exists: "is set",
  not_exists: "is not set",
};

export function isMetadataField(field: string): field is MetadataFilterField {
  return field.startsWith(METADATA_FIELD_PREFIX);
}

/** The custom key a `metadata.<key>` field names. */
export const metadataKeyOf = (field: MetadataFilterField) => field.slice(METADATA_FIELD_PREFIX.length);

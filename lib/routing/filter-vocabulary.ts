// The fields and operators of filter rules (OpenRouter's vocabulary, reference-broadcast.md §3),
// apart from their evaluation in filters.ts: that module needs node:v8 for its regex engine, and
// the settings UI (a browser bundle) needs these lists to build its rule editor.
export const STRING_FIELDS = ["model", "provider", "session_id", "user_id", "api_key_name", "finish_reason", "input", "output"] as const;
export const NUMBER_FIELDS = ["total_cost", "total_tokens", "prompt_tokens", "completion_tokens"] as const;
export const FILTER_FIELDS = [...STRING_FIELDS, ...NUMBER_FIELDS] as const;

export const TEXT_OPERATORS = ["contains", "not_contains", "regex", "starts_with", "ends_with"] as const;
export const COMPARISON_OPERATORS = ["gt", "lt", "gte", "lte"] as const;
export const PRESENCE_OPERATORS = ["exists", "not_exists"] as const;
export const FILTER_OPERATORS = ["equals", "not_equals", ...TEXT_OPERATORS, ...COMPARISON_OPERATORS, ...PRESENCE_OPERATORS] as const;

export type FilterField = (typeof FILTER_FIELDS)[number];
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** How each operator reads in a sentence (the rule builder, change-request diffs, audit entries). */
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

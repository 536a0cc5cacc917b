// The filter-rule builder's state and its conversion to and from the stored rules
// ({ enabled, groups: [{ logic, rules: [{ field, operator, value? }] }] }, lib/routing/filters.ts).
// Rules and groups carry a client-only `id` so React keeps each row's focus and input while rows
// are added and removed. The server validates again (empty values, regex syntax) and answers with
// paths like `filterRules.groups.0.rules.1.value`, which `ruleErrorKey` matches.
import {
  COMPARISON_OPERATORS,
  FILTER_FIELDS,
  FILTER_OPERATORS,
  isMetadataField,
  METADATA_FIELD_PREFIX,
  metadataKeyOf,
  NUMBER_FIELDS,
  OPERATOR_LABELS,
  PRESENCE_OPERATORS,
  TEXT_OPERATORS,
  type FilterField,
  type FilterOperator,
  type KnownFilterField,
} from "@/lib/routing/filter-vocabulary";

export type RuleDraft = { id: string; field: FilterField; operator: FilterOperator; value: string };
export type GroupDraft = { id: string; logic: "and" | "or"; rules: RuleDraft[] };
export type FilterDraft = { enabled: boolean; groups: GroupDraft[] };

export type StoredFilterRules = {
  enabled: boolean;
  groups: { logic: "and" | "or"; rules: { field: FilterField; operator: FilterOperator; value?: string | number }[] }[];
};

let nextId = 0;
const newId = (prefix: string) => `${prefix}${++nextId}`;

const NUMBER_FIELD_SET = new Set<string>(NUMBER_FIELDS);
const PRESENCE_SET = new Set<string>(PRESENCE_OPERATORS);

export const FIELD_LABELS: Record<KnownFilterField, string> = {
  model: "Model",
  provider: "Provider",
  session_id: "Session ID",
  user_id: "User ID",
  api_key_name: "API key name",
  finish_reason: "Finish reason",
  input: "Input (prompt)",
  output: "Output (completion)",
  trace_name: "Trace name",
  environment: "Environment",
  total_cost: "Total cost (USD)",
  total_tokens: "Total tokens",
  prompt_tokens: "Prompt tokens",
  completion_tokens: "Completion tokens",
};


/** The field select's entry for every `metadata.<key>` field; the key has an input of its own. */
export const CUSTOM_METADATA_OPTION = METADATA_FIELD_PREFIX;
export const CUSTOM_METADATA_LABEL = "Custom metadata";

/** "Model", or `metadata "customer_tier"` for a custom key. */
export function fieldLabel(field: FilterField): string {
  return isMetadataField(field) ? `metadata "${metadataKeyOf(field)}"` : (FIELD_LABELS[field] ?? field);
}

export function isNumberField(field: FilterField): boolean {
  return NUMBER_FIELD_SET.has(field);
}

/**
 * The operators that make sense for a field: text operators for text, comparisons for numbers,
 * every operator for custom metadata (text or numbers).
 */
export function operatorsFor(field: FilterField): readonly FilterOperator[] {
  if (isMetadataField(field)) return FILTER_OPERATORS;
  const excluded = new Set<string>(isNumberField(field) ? TEXT_OPERATORS : COMPARISON_OPERATORS);
  return FILTER_OPERATORS.filter((op) => !excluded.has(op));
}

export function takesValue(operator: FilterOperator): boolean {
  return !PRESENCE_SET.has(operator);
}

export function newRule(): RuleDraft {
  return { id: newId("r"), field: FILTER_FIELDS[0], operator: "equals", value: "" };
}

export function newGroup(): GroupDraft {
  return { id: newId("g"), logic: "and", rules: [newRule()] };
}

export const emptyFilter = (): FilterDraft => ({ enabled: true, groups: [] });

export function addGroup(draft: FilterDraft): FilterDraft {
  return { ...draft, groups: [...draft.groups, newGroup()] };
}

export function removeGroup(draft: FilterDraft, groupId: string): FilterDraft {
  return { ...draft, groups: draft.groups.filter((g) => g.id !== groupId) };
}

function mapGroup(draft: FilterDraft, groupId: string, f: (g: GroupDraft) => GroupDraft): FilterDraft {
  return { ...draft, groups: draft.groups.map((g) => (g.id === groupId ? f(g) : g)) };
}

export function setLogic(draft: FilterDraft, groupId: string, logic: "and" | "or"): FilterDraft {
  return mapGroup(draft, groupId, (g) => ({ ...g, logic }));
}

export function addRule(draft: FilterDraft, groupId: string): FilterDraft {
  return mapGroup(draft, groupId, (g) => ({ ...g, rules: [...g.rules, newRule()] }));
}

/** Removes a rule; a group left without rules goes too (the server refuses empty groups). */
export function removeRule(draft: FilterDraft, groupId: string, ruleId: string): FilterDraft {
  const next = mapGroup(draft, groupId, (g) => ({ ...g, rules: g.rules.filter((r) => r.id !== ruleId) }));
  return { ...next, groups: next.groups.filter((g) => g.rules.length > 0) };
}

/**
 * Changes a rule. A field change keeps the operator when the new field supports it and falls back
 * to "equals" otherwise; a presence operator clears the value (it takes none).
 */
export function updateRule(draft: FilterDraft, groupId: string, ruleId: string, change: Partial<Omit<RuleDraft, "id">>): FilterDraft {
  return mapGroup(draft, groupId, (g) => ({
    ...g,
    rules: g.rules.map((r) => {
      if (r.id !== ruleId) return r;
      const next = { ...r, ...change };
      if (!operatorsFor(next.field).includes(next.operator)) next.operator = "equals";
      if (!takesValue(next.operator)) next.value = "";
      return next;
    }),
  }));
}

/** The stored rules (any JSON: it comes from the server) → builder state. Unknown shapes → empty. */
export function draftFromStored(stored: unknown): FilterDraft {
  if (!stored || typeof stored !== "object") return emptyFilter();
  const { enabled, groups } = stored as { enabled?: unknown; groups?: unknown };
  if (!Array.isArray(groups)) return emptyFilter();
  return {
    enabled: enabled !== false,
    groups: groups.map((g: { logic?: unknown; rules?: unknown }) => ({
      id: newId("g"),
      logic: g?.logic === "or" ? "or" : "and",
      rules: (Array.isArray(g?.rules) ? g.rules : []).map((r: { field: FilterField; operator: FilterOperator; value?: unknown }) => ({
        id: newId("r"),
        field: r.field,
        operator: r.operator,
        value: r.value === undefined || r.value === null ? "" : String(r.value),
      })),
    })),
  };
}

/**
 * Builder state → what PATCH/POST take. No groups → null (no filter: every trace is sent).
 * Number fields send numbers when the text is a number; anything else goes as typed, so the
 * server's message ("… is not a number") lands under the field.
 */
export function draftToStored(draft: FilterDraft): StoredFilterRules | null {
  if (draft.groups.length === 0) return null;
  return {
    enabled: draft.enabled,
    groups: draft.groups.map((g) => ({
      logic: g.logic,
      rules: g.rules.map(({ field, operator, value }) => {
        if (!takesValue(operator)) return { field, operator };
        const text = value.trim();
        const asNumber = Number(text);
        return { field, operator, value: isNumberField(field) && text !== "" && Number.isFinite(asNumber) ? asNumber : value };
      }),
    })),
  };
}

/** The server's error path for a rule's value or operator. */
export function ruleErrorKey(groupIndex: number, ruleIndex: number, part: "value" | "operator" | "field"): string {
  return `filterRules.groups.${groupIndex}.rules.${ruleIndex}.${part}`;
}

/** Rules a user left without a metadata key or a value: caught before saving, with the server's reason. */
export function missingValues(draft: FilterDraft): Record<string, string> {
  const errors: Record<string, string> = {};
  draft.groups.forEach((g, gi) =>
    g.rules.forEach((r, ri) => {
      if (isMetadataField(r.field) && metadataKeyOf(r.field).trim() === "") {
        errors[ruleErrorKey(gi, ri, "field")] = "Enter the metadata key (a key of your traces' trace object)";
      }
      if (takesValue(r.operator) && r.value.trim() === "") {
        errors[ruleErrorKey(gi, ri, "value")] = "Enter a value (empty values are rejected to prevent data leaks)";
      }
    }),
  );
  return errors;
}

/** One line for the destinations list: "model contains gpt-4 or …", "2 rule groups", "All traces". */
export function summarizeFilter(stored: unknown): string {
  const draft = draftFromStored(stored);
  if (!draft.enabled || draft.groups.length === 0) return "All traces";
  if (draft.groups.length > 1) return `${draft.groups.length} rule groups`;
  const [group] = draft.groups;
  const first = group.rules[0];
  const text = `${fieldLabel(first.field)} ${OPERATOR_LABELS[first.operator]}${takesValue(first.operator) ? ` ${first.value}` : ""}`;
  return group.rules.length > 1 ? `${text} ${group.logic} ${group.rules.length - 1} more` : text;
}

// Per-destination filter rules in OpenRouter's JSON shape and vocabulary, plus the trace's own
// metadata (filter-vocabulary.ts):
//   { enabled, groups: [{ logic: "and" | "or", rules: [{ field, operator, value? }] }] }
// Validation (filterRulesSchema) happens when a destination is saved; evaluation
// (compileFilter) happens at ingest, once per destination per commit, then per trace.
import v8 from "node:v8";
import { z } from "zod";
import { messagesText } from "@/lib/traces/content";
import type { Trace } from "@/lib/traces/schema";
import {
  COMPARISON_OPERATORS,
  FILTER_FIELDS,
  FILTER_OPERATORS,
  isMetadataField,
  MAX_METADATA_KEY_LENGTH,
  METADATA_FIELD_PREFIX,
  METADATA_KEY_PATTERN,
  metadataKeyOf,
  PRESENCE_OPERATORS,
  STRING_FIELDS,
  TEXT_OPERATORS,
  type FilterField,
} from "./filter-vocabulary";
import type { NotSentReason, RuleSummary } from "./not-sent";

export * from "./filter-vocabulary";

/** Longest accepted regex pattern. */
export const MAX_REGEX_LENGTH = 512;
/** Longest accepted rule value. */
export const MAX_VALUE_LENGTH = 1024;
/**
 * Text operators see at most this many characters of a field (the start of the prompt or
 * completion). Together with the linear-time regex engine this bounds the cost of one rule.
 */
export const MAX_MATCH_INPUT = 64 * 1024;

// Regex rules run on V8's linear-time engine (the `l` flag), so no pattern can backtrack
// catastrophically, whatever the input: `(a+)+$` runs in linear time. The engine is built into
// V8 behind a flag, which only makes the `l` flag available and changes no other RegExp.
// Patterns it cannot run (backreferences, lookaround) are rejected when the rule is saved.
v8.setFlagsFromString("--enable-experimental-regexp-engine");

/** Compiles a rule's pattern for linear-time matching; throws SyntaxError when it is not allowed. */
export function compileRegex(pattern: string): RegExp {
  return new RegExp(pattern, "l");
}

const STRING_FIELD_SET = new Set<string>(STRING_FIELDS);
const TEXT_OPERATOR_SET = new Set<string>(TEXT_OPERATORS);
const COMPARISON_OPERATOR_SET = new Set<string>(COMPARISON_OPERATORS);
const PRESENCE_OPERATOR_SET = new Set<string>(PRESENCE_OPERATORS);
const KNOWN_FIELD_SET = new Set<string>(FILTER_FIELDS);

/** One of the named fields, or `metadata.<key>` for a custom key of the trace's `trace` object. */
const filterFieldSchema = z.string().transform((field, ctx): FilterField => {
  if (KNOWN_FIELD_SET.has(field)) return field as FilterField;
  if (isMetadataField(field)) {
    const key = metadataKeyOf(field);
    if (key.length === 0) ctx.addIssue({ code: "custom", message: `${METADATA_FIELD_PREFIX}<key> needs the key of a custom trace metadata field` });
    else if (key.length > MAX_METADATA_KEY_LENGTH) ctx.addIssue({ code: "custom", message: `metadata keys are at most ${MAX_METADATA_KEY_LENGTH} characters` });
    else if (!METADATA_KEY_PATTERN.test(key)) ctx.addIssue({ code: "custom", message: "metadata keys cannot contain control characters" });
    return field;
  }
  ctx.addIssue({ code: "custom", message: `field must be one of ${FILTER_FIELDS.join(", ")}, or ${METADATA_FIELD_PREFIX}<key> for custom trace metadata` });
  return z.NEVER;
});

export const filterRuleSchema = z
  .object({
    field: filterFieldSchema,
    operator: z.enum(FILTER_OPERATORS),
    // null is accepted as "no value" (what API clients send for exists / not_exists).
    value: z.union([z.string().max(MAX_VALUE_LENGTH), z.number().finite()]).nullable().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const issue = (message: string, path: string = "value") => ctx.addIssue({ code: "custom", path: [path], message });
    if (PRESENCE_OPERATOR_SET.has(rule.operator)) {
      if (rule.value !== undefined && rule.value !== null && rule.value !== "") issue(`${rule.operator} takes no value`);
      return;
    }
    // An empty value would make `contains ""` match everything: rejected to prevent data leaks.
    if (rule.value === undefined || rule.value === null || (typeof rule.value === "string" && rule.value.trim() === "")) {
      issue(`${rule.operator} needs a non-empty value (empty values are rejected to prevent data leaks)`);
      return;
    }
    // Custom metadata holds text or numbers: every operator applies, comparisons need a number.
    const kind = fieldKind(rule.field);
    if (kind === "text" && COMPARISON_OPERATOR_SET.has(rule.operator)) {
      issue(`${rule.operator} compares numbers; ${rule.field} is text`, "operator");
    } else if (kind === "number" && TEXT_OPERATOR_SET.has(rule.operator)) {
      issue(`${rule.operator} matches text; ${rule.field} is a number`, "operator");
    } else if (kind === "number" && !Number.isFinite(Number(rule.value))) {
      issue(`${rule.field} is a number; "${rule.value}" is not`);
    } else if (kind === "metadata" && COMPARISON_OPERATOR_SET.has(rule.operator) && !isNumeric(rule.value)) {
      issue(`${rule.operator} compares numbers; "${rule.value}" is not one`);
    } else if (rule.operator === "regex") {
      const pattern = String(rule.value);
      if (pattern.length > MAX_REGEX_LENGTH) return issue(`regex must be at most ${MAX_REGEX_LENGTH} characters`);
      try {
        compileRegex(pattern);
      } catch (e) {
        issue(
          /linear time/.test((e as Error).message)
            ? "regex uses backreferences or lookaround, which are not supported (patterns must run in linear time)"
            : `invalid regex: ${(e as Error).message}`,
        );
      }
    }
  });

export const filterGroupSchema = z
  .object({
    logic: z.enum(["and", "or"]).default("and"),
    rules: z.array(filterRuleSchema).min(1, "a group needs at least one rule").max(50),
  })
  .strict();

export const filterRulesSchema = z
  .object({
    enabled: z.boolean().default(true),
    groups: z.array(filterGroupSchema).max(20).default([]),
  })
  .strict();

export type FilterRule = z.output<typeof filterRuleSchema>;
export type FilterRules = z.output<typeof filterRulesSchema>;

/** A trace as filters see it: field values, computed lazily (the text fields cost a flatten). */
export type FilterSubject = { get(field: FilterField): string | number | null };

/** A custom metadata value as rules see it: text or a number; true/false and JSON values as their JSON text. */
function metadataValue(value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number") return value;
  return JSON.stringify(value);
}

export function filterSubject(trace: Trace): FilterSubject {
  let input: string | undefined;
  let output: string | undefined;
  return {
    get(field) {
      if (isMetadataField(field)) return metadataValue(trace.metadata[metadataKeyOf(field)]);
      switch (field) {
        case "model": return trace.model;
        case "provider": return trace.provider;
        case "session_id": return trace.session_id;
        case "user_id": return trace.user;
        case "api_key_name": return trace.api_key_name;
        case "finish_reason": return trace.finish_reason;
        case "input": return (input ??= messagesText(trace.request.messages));
        case "output": return (output ??= messagesText(trace.response.messages));
        case "trace_name": return trace.trace.trace_name;
        // The environment as every destination reads it (docs/destinations.md).
        case "environment": return metadataValue(trace.metadata.environment ?? trace.metadata.env);
        case "total_cost": return trace.cost.total;
        case "total_tokens": return trace.usage.total_tokens;
        case "prompt_tokens": return trace.usage.input_tokens;
        case "completion_tokens": return trace.usage.output_tokens;
      }
    },
  };
}

type FieldKind = "text" | "number" | "metadata";
function fieldKind(field: FilterField): FieldKind {
  if (isMetadataField(field)) return "metadata";
  return STRING_FIELD_SET.has(field) ? "text" : "number";
}

/** A number, or text that is one ("3", "0.5"); blank text is not. */
function isNumeric(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value));
}

type RulePredicate = (subject: FilterSubject) => boolean;

/**
 * One rule → predicate. Matching is case-sensitive. For a missing value (null, or empty text)
 * `not_exists`, `not_equals` and `not_contains` are true ("is not X" holds when there is nothing)
 * and every other operator is false.
 */
function compileRule(rule: FilterRule): RulePredicate {
  const { field, operator } = rule;
  const read = (s: FilterSubject) => {
    const v = s.get(field);
    return v === null || v === "" ? null : v;
  };
  if (operator === "exists") return (s) => read(s) !== null;
  if (operator === "not_exists") return (s) => read(s) === null;

  const kind = fieldKind(field);
  if (kind === "number" || (kind === "metadata" && COMPARISON_OPERATOR_SET.has(operator))) {
    const target = Number(rule.value);
    const compare: Record<string, (a: number) => boolean> = {
      equals: (a) => a === target,
      not_equals: (a) => a !== target,
      gt: (a) => a > target,
      lt: (a) => a < target,
      gte: (a) => a >= target,
      lte: (a) => a <= target,
    };
    const test = compare[operator];
    return (s) => {
      const v = read(s);
      if (v === null) return operator === "not_equals";
      // Custom metadata that is not a number compares with nothing.
      return isNumeric(v) ? test(Number(v)) : false;
    };
  }

  const target = String(rule.value);
  const regex = operator === "regex" ? compileRegex(target) : null;
  const match: Record<string, (a: string) => boolean> = {
    equals: (a) => a === target,
    not_equals: (a) => a !== target,
    contains: (a) => a.includes(target),
    not_contains: (a) => !a.includes(target),
    starts_with: (a) => a.startsWith(target),
    ends_with: (a) => a.endsWith(target),
    regex: (a) => regex!.test(a),
  };
  const test = match[operator];
  return (s) => {
    const v = read(s);
    if (v === null) return operator === "not_equals" || operator === "not_contains";
    // Metadata holding a number equals a rule's number however it is written (3 = "3.0").
    if (typeof v === "number" && (operator === "equals" || operator === "not_equals") && isNumeric(target)) {
      return (v === Number(target)) === (operator === "equals");
    }
    const text = String(v);
    // Bounded input for text operators; equality needs the whole value.
    return test(operator === "equals" || operator === "not_equals" ? text : text.slice(0, MAX_MATCH_INPUT));
  };
}

/** Longest rule value a not-sent reason quotes (reasons are stored with every trace). */
const MAX_REASON_VALUE = 80;

function ruleSummary(rule: FilterRule): RuleSummary {
  const { field, operator, value } = rule;
  if (value === undefined || value === null || value === "") return { field, operator };
  return { field, operator, value: typeof value === "string" && value.length > MAX_REASON_VALUE ? `${value.slice(0, MAX_REASON_VALUE - 1)}…` : value };
}

/** Why a filter held a trace back (a not-sent reason), or null when the trace passes it. */
export type FilterExplainer = (subject: FilterSubject) => Extract<NotSentReason, { r: "filter" | "filter_invalid" }> | null;

const PASSES: FilterExplainer = () => null;
const INVALID: FilterExplainer = () => ({ r: "filter_invalid" });

/**
 * Filter rules (the stored JSON) → what they make of a trace: null when it passes, else which rule
 * held it back. Within a group, `and` needs every rule and `or` any rule; groups combine with OR: a
 * trace is sent when any group matches. OR makes each group a self-contained "send when…" case,
 * which is how the UI lists them and lets a user add a case without weakening the others
 * (OpenRouter does not document its choice).
 * No rules, or `enabled: false`, lets every trace through. Rules that fail validation (only
 * possible if the stored JSON was edited by hand) let nothing through: a broken filter must not
 * leak traces it was meant to hold back.
 * Rules run as a plain match would (each group stops at its first deciding rule); the reasons
 * are built once here, so a trace held back costs no allocation.
 */
export function explainFilter(stored: unknown): FilterExplainer {
  if (stored === null || stored === undefined) return PASSES;
  const parsed = filterRulesSchema.safeParse(stored);
  if (!parsed.success) return INVALID;
  const { enabled, groups } = parsed.data;
  if (!enabled || groups.length === 0) return PASSES;
  const compiled = groups.map((g) => ({ logic: g.logic, rules: g.rules.map(compileRule) }));
  const others = groups.length > 1 ? { others: groups.length - 1 } : {};
  const reasons = groups[0].rules.map((rule) => ({ r: "filter" as const, rule: ruleSummary(rule), ...others }));
  return (subject) => {
    let held = reasons[0];
    for (let g = 0; g < compiled.length; g++) {
      const { logic, rules } = compiled[g];
      if (logic === "or") {
        if (rules.some((r) => r(subject))) return null;
        continue;
      }
      const failed = rules.findIndex((r) => !r(subject));
      if (failed === -1) return null;
      if (g === 0) held = reasons[failed];
    }
    return held;
  };
}

/** Filter rules (the stored JSON) → predicate over a trace (explainFilter, without the reason). */
export function compileFilter(stored: unknown): (subject: FilterSubject) => boolean {
  const explain = explainFilter(stored);
  return (subject) => explain(subject) === null;
}

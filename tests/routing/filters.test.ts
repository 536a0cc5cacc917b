import { describe, expect, it } from "vitest";
import {
  compileFilter,
  filterRulesSchema,
  filterSubject,
  MAX_MATCH_INPUT,
  MAX_REGEX_LENGTH,
  NUMBER_FIELDS,
  isMetadataField,
  metadataKeyOf,
  STRING_FIELDS,
  type FilterField,
  type FilterOperator,
} from "@/lib/routing/filters";
import { sampleTrace } from "@/lib/traces/fixtures";
import type { Trace } from "@/lib/traces/schema";

const VALUE = "alpha-beta";

/** A trace whose `field` holds `value`, or has no value for it when `value` is null. */
function traceWith(field: FilterField, value: string | number | null): Trace {
  const t = sampleTrace();
  if (isMetadataField(field)) return { ...t, metadata: value === null ? {} : { [metadataKeyOf(field)]: value } };
  switch (field) {
    case "model": return { ...t, model: (value ?? "") as string };
    case "provider": return { ...t, provider: value as string | null };
    case "session_id": return { ...t, session_id: value as string | null };
    case "user_id": return { ...t, user: value as string | null };
    case "api_key_name": return { ...t, api_key_name: value as string | null };
    case "finish_reason": return { ...t, finish_reason: value as string | null };
    case "input":
      return { ...t, request: { ...t.request, messages: value === null ? [] : [{ role: "system", content: "" }, { role: "user", content: [{ type: "text", text: value as string }] }] } };
    case "output":
      return { ...t, response: { ...t.response, messages: value === null ? [] : [{ role: "assistant", content: value as string }] } };
    case "trace_name": return { ...t, trace: { ...t.trace, trace_name: value as string | null } };
    case "environment": return { ...t, metadata: value === null ? {} : { environment: value } };
    case "total_cost": return { ...t, cost: { ...t.cost, total: value as number | null } };
    case "total_tokens": return { ...t, usage: { ...t.usage, total_tokens: value as number } };
    case "prompt_tokens": return { ...t, usage: { ...t.usage, input_tokens: value as number } };
    case "completion_tokens": return { ...t, usage: { ...t.usage, output_tokens: value as number } };
  }
}

function matches(trace: Trace, field: FilterField, operator: FilterOperator, value?: string | number): boolean {
  const rules = filterRulesSchema.parse({ groups: [{ rules: [{ field, operator, ...(value !== undefined ? { value } : {}) }] }] });
  return compileFilter(rules)(filterSubject(trace));
}

// [operator, value, expected on "alpha-beta", expected when the field has no value]
const STRING_CASES: [FilterOperator, string | undefined, boolean, boolean][] = [
  ["equals", "alpha-beta", true, false],
  ["equals", "alpha", false, false],
  ["not_equals", "alpha", true, true],
  ["not_equals", "alpha-beta", false, true],
  ["contains", "ha-b", true, false],
  ["contains", "zzz", false, false],
  ["not_contains", "zzz", true, true],
  ["not_contains", "ha-b", false, true],
  ["regex", "^al.*ta$", true, false],
  ["regex", "^beta", false, false],
  ["starts_with", "alpha", true, false],
  ["starts_with", "beta", false, false],
  ["ends_with", "beta", true, false],
  ["ends_with", "alpha", false, false],
  ["exists", undefined, true, false],
  ["not_exists", undefined, false, true],
];

// [operator, value, expected on 100, expected when the field has no value]
const NUMBER_CASES: [FilterOperator, string | number | undefined, boolean, boolean][] = [
  ["equals", 100, true, false],
  ["equals", "100", true, false],
  ["equals", 99, false, false],
  ["not_equals", 99, true, true],
  ["not_equals", 100, false, true],
  ["gt", 99, true, false],
  ["gt", 100, false, false],
  ["lt", 101, true, false],
  ["lt", 100, false, false],
  ["gte", 100, true, false],
  ["gte", 100.5, false, false],
  ["lte", 100, true, false],
  ["lte", "99.5", false, false],
  ["exists", undefined, true, false],
  ["not_exists", undefined, false, true],
];

describe("filter rules: every field × operator", () => {
  for (const field of STRING_FIELDS) {
    describe(field, () => {
      it.each(STRING_CASES)(`%s %s`, (operator, value, onValue, onMissing) => {
        expect(matches(traceWith(field, VALUE), field, operator, value)).toBe(onValue);
        expect(matches(traceWith(field, null), field, operator, value)).toBe(onMissing);
      });
      it("treats an empty string as missing", () => {
        expect(matches(traceWith(field, ""), field, "exists")).toBe(false);
        expect(matches(traceWith(field, ""), field, "not_exists")).toBe(true);
      });
      it("matches case-sensitively", () => {
        expect(matches(traceWith(field, VALUE), field, "contains", "ALPHA")).toBe(false);
      });
    });
  }

  // Custom trace metadata holds text or numbers: text operators on its text, comparisons on numbers.
  describe("metadata.<key>", () => {
    const field = "metadata.customer tier" as const;
    it.each(STRING_CASES)(`on text: %s %s`, (operator, value, onValue, onMissing) => {
      expect(matches(traceWith(field, VALUE), field, operator, value)).toBe(onValue);
      expect(matches(traceWith(field, null), field, operator, value)).toBe(onMissing);
    });
    it.each(NUMBER_CASES)(`on a number: %s %s`, (operator, value, onValue, onMissing) => {
      expect(matches(traceWith(field, 100), field, operator, value)).toBe(onValue);
      expect(matches(traceWith(field, null), field, operator, value)).toBe(onMissing);
    });
    it("compares numeric text as a number, other text with no number, and booleans and objects as their JSON", () => {
      expect(matches(traceWith(field, "12"), field, "gt", 9)).toBe(true);
      expect(matches(traceWith(field, "gold"), field, "gt", 9)).toBe(false);
      expect(matches(traceWith(field, "gold"), field, "lte", 9)).toBe(false);
      const withValue = (value: unknown) => ({ ...sampleTrace(), metadata: { "customer tier": value } });
      expect(compileFilter(filterRulesSchema.parse({ groups: [{ rules: [{ field, operator: "equals", value: "true" }] }] }))(filterSubject(withValue(true)))).toBe(true);
      expect(compileFilter(filterRulesSchema.parse({ groups: [{ rules: [{ field, operator: "contains", value: '"plan":"pro"' }] }] }))(filterSubject(withValue({ plan: "pro" })))).toBe(true);
    });
    it("reads only the key it names", () => {
      expect(matches({ ...sampleTrace(), metadata: { tier: "gold" } }, "metadata.tie", "exists")).toBe(false);
      expect(matches({ ...sampleTrace(), metadata: { tier: "gold" } }, "metadata.tier", "equals", "gold")).toBe(true);
    });
  });

  it("reads the environment from metadata.environment, else metadata.env", () => {
    expect(matches({ ...sampleTrace(), metadata: { env: "staging" } }, "environment", "equals", "staging")).toBe(true);
    expect(matches({ ...sampleTrace(), metadata: { environment: "prod", env: "staging" } }, "environment", "equals", "prod")).toBe(true);
  });

  for (const field of NUMBER_FIELDS) {
    it.each(NUMBER_CASES)(`${field} %s %s`, (operator, value, onValue, onMissing) => {
      expect(matches(traceWith(field, 100), field, operator, value)).toBe(onValue);
      // Token counts always have a value (0 when not reported); only the cost can be missing.
      if (field === "total_cost") expect(matches(traceWith(field, null), field, operator, value)).toBe(onMissing);
    });
  }

  it("counts zero tokens as a value", () => {
    expect(matches(traceWith("completion_tokens", 0), "completion_tokens", "exists")).toBe(true);
    expect(matches(traceWith("completion_tokens", 0), "completion_tokens", "lt", 1)).toBe(true);
  });

  it("matches input/output against the flattened text of all messages and tool-call arguments", () => {
    const t = sampleTrace();
    expect(matches(t, "input", "contains", "helpful weather assistant.\nWhat's the weather")).toBe(true);
    expect(matches(t, "output", "contains", '{"city":"Paris"}')).toBe(true);
    expect(matches(t, "input", "contains", "18 °C")).toBe(false);
  });

  it("sees at most MAX_MATCH_INPUT characters of text for text operators", () => {
    const long = "a".repeat(MAX_MATCH_INPUT) + "NEEDLE";
    expect(matches(traceWith("input", long), "input", "contains", "NEEDLE")).toBe(false);
    expect(matches(traceWith("input", long), "input", "ends_with", "NEEDLE")).toBe(false);
    expect(matches(traceWith("input", long), "input", "starts_with", "aaaa")).toBe(true);
  });
});

describe("groups", () => {
  const t = sampleTrace(); // model openai/gpt-4o-mini, user user_42, total_tokens 59
  const rule = (field: FilterField, operator: FilterOperator, value?: string | number) => ({ field, operator, value });
  const run = (stored: unknown) => compileFilter(stored)(filterSubject(t));
  const yes = rule("model", "contains", "gpt-4o");
  const no = rule("user_id", "equals", "someone-else");

  it("and needs every rule, or any rule", () => {
    expect(run({ groups: [{ logic: "and", rules: [yes, yes] }] })).toBe(true);
    expect(run({ groups: [{ logic: "and", rules: [yes, no] }] })).toBe(false);
    expect(run({ groups: [{ logic: "or", rules: [no, yes] }] })).toBe(true);
    expect(run({ groups: [{ logic: "or", rules: [no, no] }] })).toBe(false);
  });

  it("defaults a group's logic to and", () => {
    expect(run({ groups: [{ rules: [yes, no] }] })).toBe(false);
  });

  it("combines groups with OR", () => {
    expect(run({ groups: [{ logic: "and", rules: [yes, no] }, { logic: "and", rules: [yes] }] })).toBe(true);
    expect(run({ groups: [{ logic: "and", rules: [no] }, { logic: "or", rules: [no] }] })).toBe(false);
  });

  it("lets everything through when there are no rules or they are disabled", () => {
    expect(run(null)).toBe(true);
    expect(run({ enabled: true, groups: [] })).toBe(true);
    expect(run({ enabled: false, groups: [{ rules: [no] }] })).toBe(true);
  });

  it("lets nothing through when the stored rules are invalid", () => {
    expect(run({ groups: [{ rules: [{ field: "model", operator: "contains", value: "" }] }] })).toBe(false);
    expect(run({ groups: "all" })).toBe(false);
  });
});

describe("filterRulesSchema", () => {
  const issues = (rule: Record<string, unknown>) => {
    const r = filterRulesSchema.safeParse({ groups: [{ rules: [rule] }] });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("rejects empty values to prevent data leaks", () => {
    for (const value of [undefined, null, "", "   "]) {
      expect(issues({ field: "model", operator: "contains", value })).toEqual([
        expect.stringMatching(/^groups\.0\.rules\.0\.value: contains needs a non-empty value .*prevent data leaks/),
      ]);
    }
  });

  it("accepts presence operators without a value and rejects one with a value", () => {
    expect(issues({ field: "user_id", operator: "exists" })).toEqual([]);
    expect(issues({ field: "user_id", operator: "not_exists", value: "" })).toEqual([]);
    expect(issues({ field: "user_id", operator: "exists", value: null })).toEqual([]);
    expect(issues({ field: "user_id", operator: "exists", value: "x" })).toEqual(["groups.0.rules.0.value: exists takes no value"]);
  });

  it("rejects operators that do not fit the field's type and non-numeric numbers", () => {
    expect(issues({ field: "model", operator: "gt", value: 3 })[0]).toMatch(/operator: gt compares numbers; model is text/);
    expect(issues({ field: "total_cost", operator: "contains", value: "1" })[0]).toMatch(/operator: contains matches text; total_cost is a number/);
    expect(issues({ field: "total_tokens", operator: "gte", value: "many" })[0]).toMatch(/value: total_tokens is a number; "many" is not/);
  });

  it("accepts metadata.<key> for any key without control characters, and names what is wrong otherwise", () => {
    expect(issues({ field: "metadata.customer.tier", operator: "equals", value: "gold" })).toEqual([]);
    expect(issues({ field: "metadata.", operator: "equals", value: "gold" })[0]).toMatch(/field: metadata.<key> needs the key/);
    expect(issues({ field: "metadata.a\nb", operator: "equals", value: "gold" })[0]).toMatch(/field: metadata keys cannot contain control characters/);
    expect(issues({ field: `metadata.${"k".repeat(129)}`, operator: "exists" })[0]).toMatch(/field: metadata keys are at most 128/);
    expect(issues({ field: "metadata.tier", operator: "gt", value: "gold" })[0]).toMatch(/value: gt compares numbers; "gold" is not one/);
    expect(issues({ field: "metadata.tier", operator: "gt", value: "3" })).toEqual([]);
  });

  it("rejects unknown fields, operators and keys", () => {
    expect(issues({ field: "prompt", operator: "equals", value: "x" })[0]).toMatch(/^groups\.0\.rules\.0\.field/);
    expect(issues({ field: "model", operator: "like", value: "x" })[0]).toMatch(/^groups\.0\.rules\.0\.operator/);
    expect(issues({ field: "model", operator: "equals", value: "x", flags: "i" })[0]).toMatch(/flags/);
    expect(filterRulesSchema.safeParse({ groups: [{ logic: "xor", rules: [{ field: "model", operator: "exists" }] }] }).success).toBe(false);
    expect(filterRulesSchema.safeParse({ groups: [{ rules: [] }] }).error!.issues[0].message).toMatch(/at least one rule/);
  });

  it("validates regexes: syntax, length, and linear-time features only", () => {
    expect(issues({ field: "model", operator: "regex", value: "gpt-(4|5" })[0]).toMatch(/invalid regex/);
    expect(issues({ field: "model", operator: "regex", value: "a".repeat(MAX_REGEX_LENGTH + 1) })[0]).toMatch(/at most 512/);
    expect(issues({ field: "model", operator: "regex", value: "(a)\\1" })[0]).toMatch(/backreferences or lookaround/);
    expect(issues({ field: "model", operator: "regex", value: "gpt(?=-4)" })[0]).toMatch(/backreferences or lookaround/);
    expect(issues({ field: "model", operator: "regex", value: "^(openai|anthropic)/.+$" })).toEqual([]);
  });

  it("evaluates catastrophic-backtracking patterns in linear time", () => {
    const evil = "a".repeat(MAX_MATCH_INPUT / 2) + "!";
    const started = performance.now();
    expect(matches(traceWith("input", evil), "input", "regex", "^(a+)+$")).toBe(false);
    expect(matches(traceWith("input", evil), "input", "regex", "(a|aa)*b")).toBe(false);
    expect(matches(traceWith("input", evil), "input", "regex", "(.*a){12}x")).toBe(false);
    // Backtracking engines take longer than the age of the universe here; linear time is milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

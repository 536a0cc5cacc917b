import { describe, expect, it } from "vitest";
import {
  addGroup,
  addRule,
  draftFromStored,
  draftToStored,
  emptyFilter,
  missingValues,
  operatorsFor,
  removeRule,
  ruleErrorKey,
  setLogic,
  summarizeFilter,
  updateRule,
} from "@/components/observability/filter-builder-state";
import { filterRulesSchema } from "@/lib/routing/filters";

describe("filter-rule builder state", () => {
  it("offers text operators for text fields and comparisons for number fields", () => {
    expect(operatorsFor("model")).toContain("regex");
    expect(operatorsFor("model")).not.toContain("gt");
    expect(operatorsFor("total_cost")).toContain("gte");
    expect(operatorsFor("total_cost")).not.toContain("contains");
    expect(operatorsFor("total_cost")).toContain("exists");
  });

  it("builds groups and rules and produces rules the server's schema accepts", () => {
    let draft = addGroup(emptyFilter());
    const group = draft.groups[0];
    draft = updateRule(draft, group.id, group.rules[0].id, { field: "model", operator: "starts_with", value: "openai/" });
    draft = addRule(draft, group.id);
    const second = draft.groups[0].rules[1];
    draft = updateRule(draft, group.id, second.id, { field: "total_tokens", operator: "gt", value: "1000" });
    draft = setLogic(draft, group.id, "or");
    draft = addGroup(draft);
    draft = updateRule(draft, draft.groups[1].id, draft.groups[1].rules[0].id, { field: "user_id", operator: "exists" });

    const stored = draftToStored(draft);
    expect(stored).toEqual({
      enabled: true,
      groups: [
        {
          logic: "or",
          rules: [
            { field: "model", operator: "starts_with", value: "openai/" },
            { field: "total_tokens", operator: "gt", value: 1000 },
          ],
        },
        { logic: "and", rules: [{ field: "user_id", operator: "exists" }] },
      ],
    });
    expect(filterRulesSchema.safeParse(stored).success).toBe(true);
  });

  it("resets an operator the new field does not support, and clears the value of presence operators", () => {
    let draft = addGroup(emptyFilter());
    const g = draft.groups[0];
    const r = g.rules[0];
    draft = updateRule(draft, g.id, r.id, { field: "model", operator: "contains", value: "gpt" });
    draft = updateRule(draft, g.id, r.id, { field: "total_cost" });
    expect(draft.groups[0].rules[0]).toMatchObject({ field: "total_cost", operator: "equals", value: "gpt" });
    draft = updateRule(draft, g.id, r.id, { operator: "not_exists" });
    expect(draft.groups[0].rules[0].value).toBe("");
  });

  it("drops a group when its last rule is removed (the server refuses empty groups) and saves no groups as null", () => {
    let draft = addGroup(emptyFilter());
    draft = removeRule(draft, draft.groups[0].id, draft.groups[0].rules[0].id);
    expect(draft.groups).toEqual([]);
    expect(draftToStored(draft)).toBeNull();
  });

  it("flags rules without a value under the server's error path", () => {
    let draft = addGroup(emptyFilter());
    draft = addRule(draft, draft.groups[0].id);
    const [, second] = draft.groups[0].rules;
    draft = updateRule(draft, draft.groups[0].id, draft.groups[0].rules[0].id, { value: "x" });
    draft = updateRule(draft, draft.groups[0].id, second.id, { value: "   " });
    expect(missingValues(draft)).toEqual({ [ruleErrorKey(0, 1, "value")]: expect.stringContaining("data leaks") });
    expect(ruleErrorKey(0, 1, "value")).toBe("filterRules.groups.0.rules.1.value");
  });

  it("builds a custom metadata rule the server's schema accepts, flags it without its key, and summarizes it by key", () => {
    let draft = addGroup(emptyFilter());
    const group = draft.groups[0];
    draft = updateRule(draft, group.id, group.rules[0].id, { field: "metadata.", operator: "gt", value: "3" });
    expect(operatorsFor("metadata.")).toEqual(expect.arrayContaining(["contains", "gt", "exists"]));
    expect(missingValues(draft)).toEqual({ [ruleErrorKey(0, 0, "field")]: expect.stringContaining("metadata key") });
    draft = updateRule(draft, group.id, group.rules[0].id, { field: "metadata.customer_tier", operator: "equals", value: "gold" });
    expect(missingValues(draft)).toEqual({});
    const stored = draftToStored(draft);
    expect(stored).toEqual({ enabled: true, groups: [{ logic: "and", rules: [{ field: "metadata.customer_tier", operator: "equals", value: "gold" }] }] });
    expect(filterRulesSchema.safeParse(stored).success).toBe(true);
    expect(summarizeFilter(stored)).toBe('metadata "customer_tier" equals gold');
    expect(summarizeFilter({ enabled: true, groups: [{ logic: "and", rules: [{ field: "environment", operator: "equals", value: "prod" }] }] })).toBe("Environment equals prod");
  });

  it("round-trips stored rules, and reads anything else as no filter", () => {
    const stored = { enabled: false, groups: [{ logic: "and" as const, rules: [{ field: "prompt_tokens" as const, operator: "lt" as const, value: 5 }] }] };
    expect(draftToStored(draftFromStored(stored))).toEqual(stored);
    expect(draftFromStored(null)).toEqual(emptyFilter());
    expect(draftFromStored({ groups: "nope" })).toEqual(emptyFilter());
  });

  it("summarizes rules for the destinations list", () => {
    expect(summarizeFilter(null)).toBe("All traces");
    expect(summarizeFilter({ enabled: false, groups: [{ logic: "and", rules: [{ field: "model", operator: "equals", value: "x" }] }] })).toBe("All traces");
    expect(
      summarizeFilter({
        enabled: true,
        groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value: "gpt" }, { field: "user_id", operator: "exists" }] }],
      }),
    ).toBe("Model contains gpt and 1 more");
    expect(
      summarizeFilter({
        enabled: true,
        groups: [
          { logic: "and", rules: [{ field: "model", operator: "contains", value: "gpt" }] },
          { logic: "or", rules: [{ field: "user_id", operator: "exists" }] },
        ],
      }),
    ).toBe("2 rule groups");
  });
});

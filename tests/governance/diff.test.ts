// The change-request diff: labels from the definition, secrets never in clear, sampling as
// percentages, filters summarized, headers by name only (their values are secrets: fingerprints).
import { describe, expect, it } from "vitest";
import { fieldsOf } from "@/lib/destinations/define";
import { getDefinition } from "@/lib/destinations/registry";
import { broadcastDiff, destinationDiff, formatSamplingRate, summarizeFilters, type DestinationSnapshot } from "@/lib/governance/diff";

const langfuse = getDefinition("langfuse")!;
const labels = { fields: fieldsOf(langfuse), apiKeyNames: { k1: "Production", k2: "Staging" } };

const base: DestinationSnapshot = {
  type: "langfuse",
  name: "Prod Langfuse",
  enabled: true,
  status: "active",
  privacyMode: false,
  samplingRate: 1,
  apiKeyInclude: [],
  apiKeyExclude: [],
  filterRules: null,
  regions: ["global"],
  broadcastGenerationCost: false,
  broadcastGenerationIdentity: false,
  broadcastGenerationRequestContext: false,
  config: { baseUrl: "https://cloud.langfuse.com" },
  secretFingerprints: { secretKey: "fp-secret-1", publicKey: "fp-public-1", headers: { "X-Env": "fp-env-prod" } },
};

describe("destinationDiff", () => {
  it("lists only changed fields, with the definition's labels, secrets as changed/set/removed only", () => {
    const after: DestinationSnapshot = {
      ...base,
      samplingRate: 0.25,
      config: { ...base.config, baseUrl: "https://us.cloud.langfuse.com" },
      secretFingerprints: { ...base.secretFingerprints, secretKey: "fp-secret-2" },
    };
    const diff = destinationDiff(base, after, labels);
    expect(diff).toEqual([
      { key: "samplingRate", label: "Sampling rate", before: "100%", after: "25%" },
      { key: "config.secretKey", label: "Secret Key", before: "set", after: "changed", secret: true },
      { key: "config.baseUrl", label: "Base URL", before: "https://cloud.langfuse.com", after: "https://us.cloud.langfuse.com" },
    ]);
  });

  it("never shows a secret value or a header value, even when the snapshot's fingerprints look like secrets", () => {
    const after: DestinationSnapshot = {
      ...base,
      secretFingerprints: { secretKey: "sk-lf-NEW-SECRET-VALUE", publicKey: "pk-lf-NEW", headers: { "X-Env": "fp-env-prod", Authorization: "Bearer sk-live-very-secret" } },
    };
    const diff = destinationDiff(base, after, labels);
    const text = JSON.stringify(diff);
    expect(text).not.toContain("sk-live-very-secret");
    expect(text).not.toContain("NEW-SECRET");
    expect(text).not.toContain("pk-lf-NEW");
    expect(diff.find((e) => e.key === "config.headers")).toEqual({
      key: "config.headers",
      label: "Custom headers",
      before: "X-Env (values hidden)",
      after: "X-Env, Authorization (values hidden)",
    });
    expect(diff.filter((e) => e.secret).map((e) => e.after)).toEqual(["changed", "changed"]);
  });

  it("says a header value changed without showing it", () => {
    const after = { ...base, secretFingerprints: { ...base.secretFingerprints, headers: { "X-Env": "fp-env-staging" } } };
    expect(destinationDiff(base, after, labels)).toEqual([
      { key: "config.headers", label: "Custom headers", before: "X-Env (values hidden)", after: "X-Env (values hidden) — values changed" },
    ]);
  });

  it("describes a new destination by its set fields and a deleted one in one line", () => {
    const created = destinationDiff(null, { ...base, apiKeyInclude: ["k2"], filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "equals", value: "gpt-4o" }] }] } }, labels);
    expect(created.map((e) => [e.label, e.before, e.after])).toEqual([
      ["Name", null, "Prod Langfuse"],
      ["Enabled", null, "On"],
      ["Sampling rate", null, "100%"],
      ["Privacy mode (no prompts or completions)", null, "Off"],
      ["Only these API keys", null, "Staging"],
      ["Except these API keys", null, "None"],
      ["Filters", null, 'model equals "gpt-4o"'],
      ["Secret Key", null, "set"],
      ["Public Key", null, "set"],
      ["Base URL", null, "https://cloud.langfuse.com"],
      ["Custom headers", null, "X-Env (values hidden)"],
    ]);
    const withoutHeaders = destinationDiff(null, { ...base, secretFingerprints: { secretKey: "fp-secret-1", publicKey: "fp-public-1" } }, labels);
    expect(withoutHeaders.map((e) => e.label)).not.toContain("Custom headers");
    expect(destinationDiff(base, null, labels)).toEqual([{ key: "destination", label: "Destination", before: "Prod Langfuse", after: "Deleted" }]);
  });

  it("shows pause and resume as a status change and removed secrets as removed", () => {
    expect(destinationDiff(base, { ...base, status: "paused" }, labels)).toEqual([{ key: "status", label: "Status", before: "Active", after: "Paused" }]);
    expect(destinationDiff({ ...base, status: "auto_paused" }, base, labels)[0]).toMatchObject({ before: "Paused automatically", after: "Active" });
    expect(destinationDiff(base, { ...base, secretFingerprints: { secretKey: "fp-secret-1", headers: { "X-Env": "fp-env-prod" } } }, labels)).toEqual([
      { key: "config.publicKey", label: "Public Key", before: "set", after: "removed", secret: true },
    ]);
    expect(destinationDiff(base, { ...base, secretFingerprints: { secretKey: "fp-secret-1", publicKey: "fp-public-1" } }, labels)).toEqual([
      { key: "config.headers", label: "Custom headers", before: "X-Env (values hidden)", after: null },
    ]);
  });

  it("names API keys and marks keys that no longer exist", () => {
    const diff = destinationDiff(base, { ...base, apiKeyExclude: ["k1", "gone-key-id"] }, labels);
    expect(diff).toEqual([{ key: "apiKeyExclude", label: "Except these API keys", before: "None", after: "Production, deleted key gone-key" }]);
  });

  it("reports an edited rule set even when its summary reads the same", () => {
    const rules = (n: number) => ({ enabled: true, groups: [{ logic: "and", rules: Array.from({ length: 5 }, (_, i) => ({ field: "total_tokens", operator: "gt", value: i + n })) }] });
    const diff = destinationDiff({ ...base, filterRules: rules(0) }, { ...base, filterRules: rules(1) }, labels);
    expect(diff).toEqual([{ key: "filterRules", label: "Filters", before: "5 rules in 1 group", after: "5 rules in 1 group (rules changed)" }]);
  });
});

describe("formatting", () => {
  it("formats sampling rates as percentages down to 0.01 %", () => {
    expect([1, 0.5, 0.333, 0.0001].map(formatSamplingRate)).toEqual(["100%", "50%", "33.3%", "0.01%"]);
  });

  it("summarizes filters: off, one group spelled out, several groups joined with or", () => {
    expect(summarizeFilters(null)).toBe("Off (every trace)");
    expect(summarizeFilters({ enabled: false, groups: [{ logic: "and", rules: [{ field: "model", operator: "exists" }] }] })).toBe("Off (every trace)");
    expect(summarizeFilters({ enabled: true, groups: [{ logic: "and", rules: [{ field: "user_id", operator: "exists" }] }] })).toBe("user_id is set");
    expect(
      summarizeFilters({
        enabled: true,
        groups: [
          { logic: "or", rules: [{ field: "model", operator: "starts_with", value: "gpt" }, { field: "provider", operator: "equals", value: "openai" }] },
          { logic: "and", rules: [{ field: "total_cost", operator: "gte", value: 0.5 }] },
        ],
      }),
    ).toBe('(model starts with "gpt" or provider equals "openai") or (total_cost ≥ 0.5)');
  });

  it("diffs the broadcast switch", () => {
    expect(broadcastDiff(true, false)).toEqual([{ key: "broadcastEnabled", label: "Broadcast", before: "On", after: "Off" }]);
    expect(broadcastDiff(true, true)).toEqual([]);
  });
});

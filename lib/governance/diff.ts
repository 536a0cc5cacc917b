// The human-readable diff of a change request: field by field, before → after, with the labels of
// the destination's definition. Pure (no database, no crypto), so the approval screen, the stored
// record and the tests all see the same text.
//
// Secrets never reach this module in clear: a snapshot carries only a fingerprint per secret key,
// and the diff says "set", "changed" or "removed". Custom header values are secrets too: the
// snapshot carries a fingerprint per header, and the diff shows the names only.
// The rule editor's operator wording, so a rule reads the same in the diff as in the form.
import type { DestinationSettings } from "@/lib/broadcast/settings";
import type { FieldDescriptor } from "@/lib/destinations/define";
import { OPERATOR_LABELS, type FilterOperator } from "@/lib/routing/filter-vocabulary";
import { GENERATION_METADATA_GROUPS } from "@/lib/traces/generation-metadata";

export type DiffEntry = {
  /** Stable key: a config key ("config.baseUrl") or a setting ("samplingRate"). */
  key: string;
  label: string;
  /** Display text; null = not set / did not exist. */
  before: string | null;
  after: string | null;
  /** A write-only value: before/after only say whether it is set, never what it is. */
  secret?: true;
};

/**
 * A destination as the diff sees it. `secretFingerprints` holds a digest per set secret key; for a
 * record of secrets (custom headers), the names with a digest per value.
 */
export type DestinationSnapshot = DestinationSettings & {
  type: string;
  status: "active" | "paused" | "auto_paused";
  /** Non-secret config values. */
  config: Record<string, unknown>;
  secretFingerprints: Record<string, string | Record<string, string>>;
};

export type DiffLabels = {
  /** The definition's fields (fieldsOf), for labels, select options and which keys are secret. */
  fields: readonly FieldDescriptor[];
  /** API key id → name, for the include/exclude lists. */
  apiKeyNames: Readonly<Record<string, string>>;
};

const STATUS_TEXT: Record<DestinationSnapshot["status"], string> = { active: "Active", paused: "Paused", auto_paused: "Paused automatically" };
const MAX_TEXT = 200;

const onOff = (value: boolean) => (value ? "On" : "Off");

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** 1 → "100%", 0.25 → "25%", 0.0001 → "0.01%" (the UI's sampling scale reaches 0.01 %). */
export function formatSamplingRate(rate: number): string {
  return `${Number((rate * 100).toFixed(4))}%`;
}

type RuleLike = { field?: unknown; operator?: unknown; value?: unknown };
type GroupLike = { logic?: unknown; rules?: unknown };


function ruleText(rule: RuleLike): string {
  const operator = OPERATOR_LABELS[rule.operator as FilterOperator] ?? String(rule.operator);
  const value = rule.value === undefined || rule.value === "" ? "" : ` ${typeof rule.value === "string" ? JSON.stringify(rule.value) : String(rule.value)}`;
  return `${String(rule.field)} ${operator}${value}`;
}

/**
 * Filter rules in one line: "Off", or the groups (any group matching sends the trace), each its
 * rules joined by the group's logic. Long rule sets are counted rather than spelled out.
 */
export function summarizeFilters(filterRules: unknown): string {
  const rules = filterRules as { enabled?: unknown; groups?: unknown } | null | undefined;
  const groups = Array.isArray(rules?.groups) ? (rules.groups as GroupLike[]) : [];
  if (!rules || rules.enabled === false || groups.length === 0) return "Off (every trace)";
  const texts = groups.map((g) => {
    const list = Array.isArray(g.rules) ? (g.rules as RuleLike[]) : [];
    return list.map(ruleText).join(g.logic === "or" ? " or " : " and ");
  });
  const ruleCount = groups.reduce((n, g) => n + (Array.isArray(g.rules) ? g.rules.length : 0), 0);
  const spelled = texts.length === 1 ? texts[0] : texts.map((t) => `(${t})`).join(" or ");
  if (ruleCount <= 4 && spelled.length <= MAX_TEXT) return spelled;
  return `${ruleCount} rules in ${groups.length} group${groups.length === 1 ? "" : "s"}`;
}

function apiKeyList(ids: readonly string[], names: DiffLabels["apiKeyNames"], empty: string): string {
  if (ids.length === 0) return empty;
  return clip(ids.map((id) => names[id] ?? `deleted key ${id.slice(0, 8)}`).join(", "));
}

function configValueText(field: FieldDescriptor | undefined, value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (field?.widget === "headers" && typeof value === "object") {
    const names = Object.keys(value as object);
    return names.length ? clip(`${names.join(", ")} (values hidden)`) : null;
  }
  if (typeof value === "boolean") return onOff(value);
  if (field?.options) return field.options.find((o) => o.value === value)?.label ?? String(value);
  if (typeof value === "string") return clip(value);
  if (typeof value === "number") return String(value);
  return clip(JSON.stringify(value));
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function push(out: DiffEntry[], entry: DiffEntry) {
  if (entry.before !== entry.after) out.push(entry);
}

function settingsEntries(before: DestinationSnapshot | null, after: DestinationSnapshot, labels: DiffLabels): DiffEntry[] {
  const out: DiffEntry[] = [];
  const text = <T,>(pick: (s: DestinationSnapshot) => T, show: (v: T) => string) => [before ? show(pick(before)) : null, show(pick(after))] as const;
  const entry = (key: string, label: string, [b, a]: readonly [string | null, string]) => push(out, { key, label, before: b, after: a });
  entry("name", "Name", text((s) => s.name, (v) => v));
  entry("enabled", "Enabled", text((s) => s.enabled, onOff));
  if (before) entry("status", "Status", text((s) => s.status, (v) => STATUS_TEXT[v]));
  entry("samplingRate", "Sampling rate", text((s) => s.samplingRate, formatSamplingRate));
  entry("privacyMode", "Privacy mode (no prompts or completions)", text((s) => s.privacyMode, onOff));
  entry("apiKeyInclude", "Only these API keys", text((s) => s.apiKeyInclude, (ids) => apiKeyList(ids, labels.apiKeyNames, "All keys")));
  entry("apiKeyExclude", "Except these API keys", text((s) => s.apiKeyExclude, (ids) => apiKeyList(ids, labels.apiKeyNames, "None")));
  // Settings a new destination mostly leaves at their default: listed for it only when not at the default.
  const unlessDefault = <T,>(key: string, label: string, pick: (s: DestinationSnapshot) => T, show: (v: T) => string, byDefault: T) => {
    if (before || !sameJson(pick(after), byDefault)) entry(key, label, text(pick, show));
  };
  unlessDefault("regions", "Regions", (s) => s.regions, (regions) => regions.join(", "), ["global"]);
  for (const group of GENERATION_METADATA_GROUPS) unlessDefault(group.setting, group.label, (s) => s[group.setting], onOff, false);
  const filtersBefore = before ? summarizeFilters(before.filterRules) : null;
  const filtersAfter = summarizeFilters(after.filterRules);
  if (before && !sameJson(before.filterRules, after.filterRules)) {
    // Two different rule sets can summarize alike ("5 rules in 2 groups"): still a change.
    const shown = filtersAfter === filtersBefore ? `${filtersAfter} (rules changed)` : filtersAfter;
    out.push({ key: "filterRules", label: "Filters", before: filtersBefore, after: shown });
  } else if (!before && after.filterRules != null) {
    out.push({ key: "filterRules", label: "Filters", before: null, after: filtersAfter });
  }
  return out;
}

function configEntries(before: DestinationSnapshot | null, after: DestinationSnapshot, labels: DiffLabels): DiffEntry[] {
  const out: DiffEntry[] = [];
  const known = new Set(labels.fields.map((f) => f.key));
  const keys = [...labels.fields.map((f) => f.key), ...Object.keys({ ...before?.config, ...after.config }).filter((k) => !known.has(k))];
  for (const key of keys) {
    const field = labels.fields.find((f) => f.key === key);
    const label = field?.label ?? key;
    const valueIn = (snapshot: DestinationSnapshot) => (field?.secret ? snapshot.secretFingerprints[key] : snapshot.config[key]);
    if (field?.secret && field.widget !== "headers") {
      const b = before?.secretFingerprints[key];
      const a = after.secretFingerprints[key];
      if (b === a) continue;
      out.push({ key: `config.${key}`, label, before: b ? "set" : null, after: a ? (b ? "changed" : "set") : "removed", secret: true });
      continue;
    }
    const b = before ? configValueText(field, valueIn(before)) : null;
    const a = configValueText(field, valueIn(after));
    // Same header names, other values: a change the names alone do not show.
    if (field?.widget === "headers" && before && a !== null && b === a && !sameJson(valueIn(before), valueIn(after))) {
      out.push({ key: `config.${key}`, label, before: b, after: `${a ?? "none"} — values changed` });
      continue;
    }
    push(out, { key: `config.${key}`, label, before: b, after: a });
  }
  return out;
}

/**
 * The diff of a destination from `before` to `after`: null before = created (every set field),
 * null after = deleted (one line).
 */
export function destinationDiff(before: DestinationSnapshot | null, after: DestinationSnapshot | null, labels: DiffLabels): DiffEntry[] {
  if (!after) return before ? [{ key: "destination", label: "Destination", before: before.name, after: "Deleted" }] : [];
  return [...settingsEntries(before, after, labels), ...configEntries(before, after, labels)];
}

export function broadcastDiff(before: boolean, after: boolean): DiffEntry[] {
  return before === after ? [] : [{ key: "broadcastEnabled", label: "Broadcast", before: onOff(before), after: onOff(after) }];
}

/** "Retry failed": how many failed deliveries go back to the queue. */
export function retryDiff(failedCount: number): DiffEntry[] {
  return failedCount > 0 ? [{ key: "retryFailed", label: "Failed deliveries", before: `${failedCount} failed`, after: "Re-queued for delivery" }] : [];
}

/** "Replay since": how many traces received since then are sent again. */
export function replayDiff(since: Date, traceCount: number): DiffEntry[] {
  return traceCount > 0
    ? [{ key: "replay", label: `Traces received since ${since.toISOString()}`, before: null, after: `${traceCount} re-sent` }]
    : [];
}

/** "Send again" on one delivery: its trace goes back into the destination's queue. */
export function requeueTraceDiff(deliveryId: string, count: number): DiffEntry[] {
  return count > 0 ? [{ key: "requeueTrace", label: `Delivery ${deliveryId}`, before: null, after: "Sent again" }] : [];
}

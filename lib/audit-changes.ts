// What an audit event changed, field by field ("Sampling rate: 100% → 25%", "Broadcast: On → Off"),
// from the event's before/after snapshots. Pure, so the audit screen, the CSV export and the tests
// read the same text. Destination changes store a diff of their own at write time (lib/governance/
// snapshot.ts: labelled by the platform's definition, secrets as set / changed / removed, computed
// while the values are in memory); every other event gets this generic one.
//
// Secrets: `isSecret(path)` names the fields whose values must not be shown. Their entries say
// only "set", "changed" or "removed", never the value, its mask or a digest of it.
import type { DiffEntry } from "@/lib/governance/diff";

/** Labels of the fields audit snapshots carry; others are shown by their key. */
const LABELS: Record<string, string> = {
  broadcastEnabled: "Broadcast",
  name: "Name",
  email: "Email",
  role: "Role",
  status: "Status",
  statusReason: "Reason",
  enabled: "Enabled",
  type: "Type",
  kind: "Kind",
  prefix: "Key prefix",
  title: "Request",
  action: "Action",
  reason: "Reason",
  requeued: "Deliveries re-queued",
  since: "Traces received since",
  created: "Deliveries created",
  reset: "Deliveries re-sent",
  baseUrl: "Base URL",
  modelPrefix: "Model prefix",
  hasApiKey: "API key",
  allowPassthroughKey: "Pass-through key",
  samplingRate: "Sampling rate",
  privacyMode: "Privacy mode",
  failingSince: "Failing since",
  consecutiveFailures: "Consecutive failures",
  expiresAt: "Expires",
  ok: "Result",
};

const STATUS_TEXT: Record<string, string> = { active: "Active", paused: "Paused", auto_paused: "Paused automatically" };

/** Keys that are bookkeeping, not settings: never listed. */
const SKIPPED = new Set(["version", "id", "workspaceId", "diff", "targetId"]);
const MAX_TEXT = 200;
/** Nested objects are flattened this deep ("config.baseUrl"); deeper ones are shown as JSON. */
const MAX_DEPTH = 2;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function valueText(key: string, value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "boolean") return value ? "On" : "Off";
  if (key === "status" && typeof value === "string") return STATUS_TEXT[value] ?? value;
  if (key === "samplingRate" && typeof value === "number") return `${Number((value * 100).toFixed(4))}%`;
  if (typeof value === "string" || typeof value === "number") return clip(String(value));
  if (Array.isArray(value)) return value.length === 0 ? "None" : clip(value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", "));
  return clip(JSON.stringify(value));
}

/** The field's label; a nested field ("config.baseUrl") by its own name, as the forms show it. */
function labelOf(path: string[]): string {
  const last = path[path.length - 1];
  return LABELS[last] ?? last;
}

function flatten(value: unknown, path: string[], out: Map<string, { path: string[]; value: unknown }>) {
  if (isRecord(value) && path.length < MAX_DEPTH && !(path.length > 0 && Object.keys(value).length === 0)) {
    for (const [key, inner] of Object.entries(value)) if (!SKIPPED.has(key)) flatten(inner, [...path, key], out);
    return;
  }
  if (path.length > 0) out.set(path.join("."), { path, value });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The field-level changes from `before` to `after` (either may be absent: created, deleted, or an
 * event that records only what it did). Unchanged fields are left out.
 */
export function auditChanges(before: unknown, after: unknown, isSecret: (path: string) => boolean = () => false): DiffEntry[] {
  const b = new Map<string, { path: string[]; value: unknown }>();
  const a = new Map<string, { path: string[]; value: unknown }>();
  flatten(before ?? {}, [], b);
  flatten(after ?? {}, [], a);
  const keys = [...new Set([...b.keys(), ...a.keys()])];
  const out: DiffEntry[] = [];
  for (const key of keys) {
    const was = b.get(key);
    const now = a.get(key);
    if (sameJson(was?.value, now?.value)) continue;
    const path = (now ?? was)!.path;
    const label = labelOf(path);
    if (isSecret(key)) {
      const had = valueText(path[path.length - 1], was?.value) !== null;
      const has = valueText(path[path.length - 1], now?.value) !== null;
      if (had || has) out.push({ key, label, before: had ? "set" : null, after: has ? (had ? "changed" : "set") : "removed", secret: true });
      continue;
    }
    const last = path[path.length - 1];
    const beforeText = valueText(last, was?.value);
    const afterText = valueText(last, now?.value);
    if (beforeText !== afterText) out.push({ key, label, before: beforeText, after: afterText });
  }
  return out;
}

/** One line per change, for the CSV export: "Sampling rate: 100% → 25%; API key: set → changed". */
export function changesText(changes: readonly DiffEntry[]): string {
  return changes.map((c) => `${c.label}: ${c.before ?? "—"} → ${c.after ?? "—"}`).join("; ");
}

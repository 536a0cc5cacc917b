// The checks of a destination's config fields that the settings form runs in the browser exactly
// as the server does (lib/destinations/define.ts declares them): plain data and functions, no zod,
// so the form's bundle stays small.

/** A serializable format check: the value must match `pattern` (must not, with `forbid`). */
export type FormatRule = { pattern: string; flags?: string; message: string; forbid?: boolean };

/** The message of the first rule `value` breaks, or undefined (empty values are the required check's business). */
export function brokenRule(rules: readonly FormatRule[] | undefined, value: string): string | undefined {
  if (!rules || value === "") return undefined;
  return rules.find((r) => new RegExp(r.pattern, r.flags).test(value) === Boolean(r.forbid))?.message;
}

/** Whether a field applies to a config (a `when` field only for its choices), as the form and server agree. */
export function isApplicable(f: { when?: { key: string; values: string[] } }, valueOf: (key: string) => unknown): boolean {
  return !f.when || f.when.values.includes(String(valueOf(f.when.key)));
}


// Values of the generated destination form (DestinationConfigForm) and their conversion to and
// from the API's `config` object. The form is driven by the definition's `fields`
// (lib/destinations/define.ts fieldsOf), so nothing here knows about any one platform.
//
// Secrets are write-only: a saved secret comes back masked ("pk-l...EfGh") and stays a `stored`
// value — shown masked, never sent back — until the user presses "Replace" and types a new one.
// Leaving a secret out of a PATCH (or of a test of a saved destination) keeps the stored one.
import type { FieldDescriptor } from "@/lib/destinations/define";
import { brokenRule, isApplicable } from "@/lib/destinations/field-rules";

export type HeaderRow = { id: string; name: string; value: string };
/** `generated`: made by "Generate", so shown in clear (with Copy) until saved. */
export type SecretValue = { kind: "stored"; masked: string } | { kind: "new"; value: string; generated?: boolean };
export type FieldValue = string | boolean | HeaderRow[] | SecretValue;
export type ConfigValues = Record<string, FieldValue>;

let nextRowId = 0;
export const headerRow = (name = "", value = ""): HeaderRow => ({ id: `h${++nextRowId}`, name, value });

/** Form values for a new destination (definition defaults) or a saved one (its masked config). */
export function initialValues(fields: readonly FieldDescriptor[], config?: Record<string, unknown>): ConfigValues {
  const values: ConfigValues = {};
  for (const f of fields) {
    const saved = config?.[f.key];
    const value = saved ?? f.default;
    switch (f.widget) {
      case "secret":
        values[f.key] = typeof saved === "string" && saved !== "" ? { kind: "stored", masked: saved } : { kind: "new", value: "" };
        break;
      case "switch":
        values[f.key] = value === true;
        break;
      case "headers":
        values[f.key] =
          value && typeof value === "object" ? Object.entries(value as Record<string, unknown>).map(([k, v]) => headerRow(k, String(v))) : [];
        break;
      default:
        values[f.key] = value === undefined || value === null ? "" : String(value);
    }
  }
  return values;
}

const isBlank = (v: string) => v.trim() === "";

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** The fields that apply to these values: a `when` field only while its choice is selected. */
export function applicableFields(fields: readonly FieldDescriptor[], values: ConfigValues): FieldDescriptor[] {
  return fields.filter((f) => isApplicable(f, (key) => values[key]));
}

/** Required as the form shows it: always, or while a `when` field applies. */
export const isRequired = (f: FieldDescriptor) => f.required || f.when !== undefined;

/** A new secret of `bytes` random bytes, base64 after `prefix` (the browser's CSPRNG). */
export function generateSecret({ prefix, bytes }: { prefix: string; bytes: number }): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return `${prefix}${btoa(String.fromCharCode(...random))}`;
}

/** The key under which a field's message is kept: the server's path (`config.apiKey`). */
export const configErrorKey = (key: string) => `config.${key}`;

/**
 * What can be checked before asking the server, for every field at once: required values, the
 * definition's format rules (the server's own), URL syntax, numbers, headers.
 */
export function validateConfig(fields: readonly FieldDescriptor[], values: ConfigValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of applicableFields(fields, values)) {
    const value = values[f.key];
    const key = configErrorKey(f.key);
    if (f.widget === "secret") {
      const secret = value as SecretValue;
      if (secret.kind === "new") {
        const text = secret.value.trim();
        const message = text === "" ? (isRequired(f) ? `${f.label} is required` : undefined) : brokenRule(f.rules, text);
        if (message) errors[key] = message;
      }
    } else if (f.widget === "headers") {
      const rows = (value as HeaderRow[]).filter((r) => !isBlank(r.name) || !isBlank(r.value));
      const names = rows.map((r) => r.name.trim().toLowerCase());
      if (rows.some((r) => isBlank(r.name))) errors[key] = "Every header needs a name";
      else if (rows.some((r) => !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(r.name.trim()))) errors[key] = "Header names may only contain letters, digits and - _ . etc.";
      else if (new Set(names).size !== names.length) errors[key] = "A header is listed twice";
    } else if (typeof value === "string") {
      const rule = brokenRule(f.rules, value.trim());
      if (isBlank(value)) {
        if (isRequired(f)) errors[key] = `${f.label} is required`;
      } else if (rule) {
        errors[key] = rule;
      } else if (f.widget === "url" && !isHttpUrl(value.trim())) {
        errors[key] = `${f.label} must be an http(s) URL`;
      } else if (f.widget === "number" && !Number.isFinite(Number(value))) {
        errors[key] = `${f.label} must be a number`;
      }
    }
  }
  return errors;
}

/**
 * Form values → the `config` to send. For a new destination, blank optional fields are left out
 * (the server applies its defaults); for a saved one they are sent as null, which removes them.
 * Stored secrets are always left out, which keeps them. Fields that do not apply (the other
 * authentication method's) are treated as blank, so a saved one is removed.
 */
export function toConfig(fields: readonly FieldDescriptor[], values: ConfigValues, mode: "create" | "update"): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const blank = (key: string) => {
    if (mode === "update") config[key] = null;
  };
  const applicable = new Set(applicableFields(fields, values).map((f) => f.key));
  for (const f of fields) {
    const value = values[f.key];
    if (!applicable.has(f.key)) {
      blank(f.key);
      continue;
    }
    if (f.widget === "secret") {
      const secret = value as SecretValue;
      if (secret.kind === "new") {
        if (isBlank(secret.value)) blank(f.key);
        else config[f.key] = secret.value.trim();
      }
    } else if (f.widget === "switch") {
      config[f.key] = value === true;
    } else if (f.widget === "headers") {
      config[f.key] = Object.fromEntries(
        (value as HeaderRow[]).filter((r) => !isBlank(r.name)).map((r) => [r.name.trim(), r.value]),
      );
    } else if (typeof value === "string") {
      if (isBlank(value)) blank(f.key);
      else config[f.key] = f.widget === "number" ? Number(value) : value.trim();
    }
  }
  return config;
}

/** A server message for a field: its own path, or the first one below it (`config.headers.X-Key`). */
export function fieldError(errors: Record<string, string>, key: string): string | undefined {
  const own = configErrorKey(key);
  if (errors[own]) return errors[own];
  const nested = Object.keys(errors).find((k) => k.startsWith(`${own}.`));
  return nested ? errors[nested] : undefined;
}

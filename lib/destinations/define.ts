// Field helpers for destination config schemas. Each helper returns a zod schema carrying UI
// metadata (label, help, placeholder, secret, widget) through zod's `.meta()`, so the settings
// form (fieldsOf), API validation, masking and defaults are derived from the one definition.
import { z } from "zod";
import { brokenRule, isApplicable, type FormatRule } from "./field-rules";
import type { DestinationDefinition } from "./types";

export type { FormatRule } from "./field-rules";

export type FieldWidget = "text" | "secret" | "url" | "select" | "headers" | "switch" | "number" | "textarea";

export type FieldMeta = {
  label: string;
  help?: string;
  placeholder?: string;
  /**
   * Write-only: stored encrypted (lib/broadcast/stored-config.ts), masked on read, kept when an
   * update sends the mask back. A string for `field.secret`; for `field.headers` each value of
   * the record is a secret and the names stay visible.
   */
  secret?: boolean;
  /**
   * Decides where requests (and so the secrets) go: a URL, host, region or account. A saved
   * destination's secrets are reused only while every such field is unchanged
   * (lib/broadcast/changes.ts), so nobody can send them to an address of their choosing.
   * Always true for `field.url`.
   */
  target?: boolean;
  widget: FieldWidget;
  options?: { value: string; label: string }[];
  /**
   * Format checks the server applies and the form repeats before sending (so every message shows
   * at once): the first rule a non-empty value breaks gives the field's message.
   */
  rules?: FormatRule[];
  /**
   * The field belongs to one choice of a select (Snowflake's authentication method): the form shows
   * it only then, and it is required then (`requireApplicable`).
   */
  when?: { key: string; values: string[] };
  /** A secret typed on several lines (a PEM key): a textarea that keeps its line breaks. */
  multiline?: boolean;
  /** The form offers "Generate": `prefix` + base64 of `bytes` random bytes (a webhook signing secret). */
  generate?: { prefix: string; bytes: number };
};

type RuleInput = { pattern: RegExp; message: string; forbid?: boolean };

/** Rules as the schema checks them and the form receives them (from the helpers' `pattern` and `rules` options). */
function withRules<T extends z.ZodString>(schema: T, label: string, opts: { pattern?: RegExp; patternMessage?: string; rules?: RuleInput[] }) {
  const inputs = [...(opts.rules ?? []), ...(opts.pattern ? [{ pattern: opts.pattern, message: opts.patternMessage ?? `${label} has an invalid format` }] : [])];
  const rules: FormatRule[] = inputs.map((r) => ({ pattern: r.pattern.source, ...(r.pattern.flags ? { flags: r.pattern.flags } : {}), message: r.message, ...(r.forbid ? { forbid: true } : {}) }));
  if (rules.length === 0) return { schema, rules: undefined };
  return {
    schema: schema.superRefine((value, ctx) => {
      const message = brokenRule(rules, value);
      if (message) ctx.addIssue({ code: "custom", message });
    }) as T,
    rules,
  };
}

type Common = { help?: string; placeholder?: string };
/** `pattern` (with `patternMessage`) and `rules`: checked in this order, rules first. */
type Checks = { pattern?: RegExp; patternMessage?: string; rules?: RuleInput[] };
/** For fields other than URLs that decide where requests go (FieldMeta.target). */
type Target = { target?: boolean };

const required = (label: string) => z.string().trim().min(1, `${label} is required`);

export const field = {
  text(label: string, opts: Common & Target & Checks & { max?: number; when?: FieldMeta["when"] } = {}) {
    const { schema, rules } = withRules(required(label).max(opts.max ?? 512, `${label} is too long`), label, opts);
    return schema.meta({ label, help: opts.help, placeholder: opts.placeholder, target: opts.target, widget: "text", rules, when: opts.when } satisfies FieldMeta);
  },
  /** Write-only: masked on read, kept when an update sends the mask back. */
  secret(label: string, opts: Common & Checks & Pick<FieldMeta, "when" | "multiline" | "generate"> = {}) {
    const { schema, rules } = withRules(required(label).max(8192, `${label} is too long`), label, opts);
    return schema.meta({
      label,
      help: opts.help,
      placeholder: opts.placeholder,
      secret: true,
      widget: "secret",
      rules,
      when: opts.when,
      multiline: opts.multiline,
      generate: opts.generate,
    } satisfies FieldMeta);
  },
  url(label: string, opts: Common = {}) {
    return z
      .url({ protocol: /^https?$/, error: `${label} must be an http(s) URL` })
      .max(2048)
      .meta({ label, help: opts.help, placeholder: opts.placeholder, target: true, widget: "url" } satisfies FieldMeta);
  },
  select<const T extends readonly [string, ...string[]]>(label: string, values: T, opts: Common & Target & { labels?: Partial<Record<T[number], string>> } = {}) {
    return z.enum(values, { error: `${label} must be one of ${values.join(", ")}` }).meta({
      label,
      help: opts.help,
      target: opts.target,
      widget: "select",
      options: values.map((v) => ({ value: v, label: opts.labels?.[v as T[number]] ?? v })),
    } satisfies FieldMeta);
  },
  switch(label: string, opts: Common = {}) {
    return z.boolean().meta({ label, help: opts.help, widget: "switch" } satisfies FieldMeta);
  },
  number(label: string, opts: Common & { min?: number; max?: number; int?: boolean } = {}) {
    let s = opts.int ? z.number().int() : z.number();
    if (opts.min !== undefined) s = s.min(opts.min);
    if (opts.max !== undefined) s = s.max(opts.max);
    return s.meta({ label, help: opts.help, widget: "number" } satisfies FieldMeta);
  },
  /**
   * Custom HTTP headers sent with every request to the destination (every platform accepts them).
   * Users put credentials there (Authorization, X-Api-Key…), so every value is a secret.
   */
  headers() {
    return z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "Header names may only contain token characters"),
        z.string().max(8192).regex(/^[^\r\n]*$/, "Header values cannot contain line breaks"),
      )
      .default({})
      .meta({ label: "Custom headers", help: "Added to every request to this destination.", secret: true, widget: "headers" } satisfies FieldMeta);
  },
  /**
   * The OTLP resource attribute `service.name`, for every destination built on the OTLP encoder
   * (lib/destinations/otlp). Empty: each trace's API key name (lib/destinations/otlp serviceNameOf).
   */
  serviceName() {
    return field
      .text("Service name", {
        max: 255,
        pattern: /^[^\p{Cc}]*$/u,
        patternMessage: "Service name cannot contain control characters",
        help: "The service.name of the spans. Empty: the name of the API key that sent each trace when \"Send caller identity\" is on, else \"tracecast\".",
        placeholder: "checkout-api",
      })
      .optional();
  },
};

export function defineDestination<S extends z.ZodObject>(def: DestinationDefinition<S>): DestinationDefinition<S> {
  return def;
}

/** A serializable description of one config field, for the generated form. */
export type FieldDescriptor = FieldMeta & {
  key: string;
  required: boolean;
  default?: unknown;
};

function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; defaultValue?: unknown } {
  let s = schema;
  let optional = false;
  let defaultValue: unknown;
  for (;;) {
    if (s instanceof z.ZodDefault) {
      optional = true;
      const d = s.def.defaultValue;
      defaultValue = typeof d === "function" ? (d as () => unknown)() : d;
      s = s.def.innerType as z.ZodType;
    } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      optional = true;
      s = s.def.innerType as z.ZodType;
    } else return { inner: s, optional, defaultValue };
  }
}

function metaOf(schema: z.ZodType): FieldMeta | undefined {
  // Metadata can sit on the wrapper (…default().meta()) or on the inner schema (….meta().optional()).
  let s: z.ZodType | undefined = schema;
  while (s) {
    const m = s.meta() as FieldMeta | undefined;
    if (m?.label) return m;
    s = s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable ? (s.def.innerType as z.ZodType) : undefined;
  }
  return undefined;
}

/** The definition's fields in declaration order, for the form and for masking. */
export function fieldsOf(def: Pick<DestinationDefinition, "config">): FieldDescriptor[] {
  return Object.entries(def.config.shape).map(([key, schema]) => {
    const s = schema as z.ZodType;
    const meta = metaOf(s);
    if (!meta) throw new Error(`config field "${key}" has no label: build it with the field helpers`);
    const { optional, defaultValue } = unwrap(s);
    return { key, ...meta, required: !optional, ...(defaultValue !== undefined ? { default: defaultValue } : {}) };
  });
}

/**
 * The object-level check of a definition with `when` fields: each is required while it applies
 * ("Token is required" only with token authentication). Use as `.superRefine(requireApplicable(shape))`.
 */
export function requireApplicable(shape: z.ZodRawShape) {
  const fields = fieldsOf({ config: z.object(shape) }).filter((f) => f.when);
  return (config: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const f of fields) {
      const value = config[f.key];
      if (isApplicable(f, (key) => config[key]) && (value === undefined || value === "")) {
        ctx.addIssue({ code: "custom", path: [f.key], message: `${f.label} is required` });
      }
    }
  };
}

export function secretKeysOf(def: Pick<DestinationDefinition, "config">): string[] {
  return fieldsOf(def).filter((f) => f.secret).map((f) => f.key);
}

/** The fields that decide where requests go (FieldMeta.target). */
export function targetKeysOf(def: Pick<DestinationDefinition, "config">): string[] {
  return fieldsOf(def).filter((f) => f.target).map((f) => f.key);
}

// Secret masking, OpenRouter style: long values keep a recognisable prefix and suffix
// ("pk-l...EfGh"), short ones are fully masked. An update that sends back exactly the mask of the
// stored value means "keep the stored secret" (lib/broadcast/changes.ts).
//
// A secret field's value is a string (field.secret) or a record whose values are secrets and whose
// names are not (field.headers): the record is masked, kept and replaced value by value.

/** Below this length a secret is masked entirely: showing 8 characters of it would reveal too much. */
const PARTIAL_MASK_MIN_LENGTH = 16;
const FULL_MASK = "********";

export function maskSecret(value: string): string {
  if (value.length < PARTIAL_MASK_MIN_LENGTH) return FULL_MASK;
  return `${value.slice(0, 4)}...${value.slice(-4)}`;
}

/** True when `value` is what maskSecret produces (for `stored`, when given). */
export function isMaskedValue(value: unknown, stored?: string): boolean {
  if (typeof value !== "string") return false;
  if (stored !== undefined) return value === maskSecret(stored);
  return value === FULL_MASK || /^.{4}\.\.\..{4}$/s.test(value);
}

/** The value of a secret field: a string, or a record of secret values under visible names (custom headers). */
export type SecretValue = string | Record<string, string>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when a secret field holds something to store: a non-empty string, or a record with an entry. */
export function hasSecretValue(value: unknown): value is SecretValue {
  return (typeof value === "string" && value !== "") || (isRecord(value) && Object.keys(value).length > 0);
}

/** The secret strings a secret field's value holds (a record's values). */
export function secretStrings(value: unknown): string[] {
  const strings = typeof value === "string" ? [value] : isRecord(value) ? Object.values(value) : [];
  return strings.filter((v): v is string => typeof v === "string" && v !== "");
}

function maskSecretValue(value: unknown): unknown {
  if (typeof value === "string") return value === "" ? value : maskSecret(value);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, typeof v === "string" ? maskSecret(v) : v]));
  return value;
}

/** A copy of `config` with the values of `secretKeys` masked. */
export function maskConfig(config: Record<string, unknown>, secretKeys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of secretKeys) if (key in out) out[key] = maskSecretValue(out[key]);
  return out;
}

/** An update's value for a secret field, masks resolved against the stored value. */
export type UnmaskedSecret = {
  value: unknown;
  /** Where a masked-looking value matches no stored value: [] the field itself, [name] a record's entry. */
  unmatchedMasks: string[][];
  /** Where the mask kept the stored value, with the same paths. */
  kept: string[][];
};

/**
 * What an update's value for a secret field means: exactly the mask of the stored value keeps the
 * stored value. For a record this holds entry by entry: a header sent back masked keeps its value,
 * a new value replaces it, a name left out is removed, so renaming is removing and adding. A mask
 * that matches nothing stored (a masked header under a new name) is reported rather than stored:
 * the platform would receive the mask instead of the credential.
 */
export function unmaskSecret(sent: unknown, stored: unknown): UnmaskedSecret {
  const unmatchedMasks: string[][] = [];
  const kept: string[][] = [];
  const resolve = (value: unknown, storedValue: unknown, path: string[]) => {
    if (typeof storedValue === "string" && isMaskedValue(value, storedValue)) {
      kept.push(path);
      return storedValue;
    }
    if (isMaskedValue(value)) unmatchedMasks.push(path);
    return value;
  };
  if (!isRecord(sent)) return { value: resolve(sent, stored, []), unmatchedMasks, kept };
  const storedRecord = isRecord(stored) ? stored : {};
  const value = Object.fromEntries(Object.entries(sent).map(([name, v]) => [name, resolve(v, storedRecord[name], [name])]));
  return { value, unmatchedMasks, kept };
}

/** Header names whose values are credentials whatever the destination ("auth": Authorization, x-sentry-auth…). */
const CREDENTIAL_HEADER = /auth|api[-_]?key|token|secret|password|signature|cookie|dsn|^x-.*-key$/i;

/**
 * Each secret with the encodings it travels in: base64 / base64url (tokens, signed payloads) and
 * URL-encoded (query strings). A platform that quotes the request in its error answer quotes these.
 */
export function secretForms(secretValues: readonly string[]): string[] {
  return [
    ...new Set(
      secretValues.flatMap((v) => [v, Buffer.from(v).toString("base64"), Buffer.from(v).toString("base64url"), encodeURIComponent(v)]),
    ),
  ];
}

/** Shorter header parts are scheme names and flags ("Basic", "sentry_version=7"), not credentials. */
const MIN_CREDENTIAL_PART = 8;

/**
 * The credential material a request carries in its headers, derived from secrets in ways the
 * secrets themselves cannot be matched by: each credential header's whole value, and its parts
 * ("Basic <base64 of public:secret>", "sentry sentry_key=<key from the DSN>, …").
 */
export function credentialsInHeaders(headers: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADER.test(name)) continue;
    found.push(value);
    for (const part of value.split(/[\s,;]+/)) {
      found.push(part);
      const param = /^[\w.-]+=(.+)$/.exec(part);
      if (param) found.push(param[1]);
    }
  }
  return [...new Set(found)].filter((v) => v.length >= MIN_CREDENTIAL_PART);
}

/**
 * Masks every occurrence of the given secret values in `text` (secrets can travel in a URL,
 * a header or a body — e.g. PostHog's api_key is in the JSON body).
 */
export function maskSecretsIn(text: string, secretValues: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secretValues].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(maskSecret(secret));
  }
  return out;
}

/**
 * Request headers for display: credential headers and headers whose value is a secret (custom
 * headers, however short) masked whole, secrets inside any other header masked.
 */
export function maskHeaders(headers: Record<string, string>, secretValues: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      CREDENTIAL_HEADER.test(name) || secretValues.includes(value) ? maskSecret(value) : maskSecretsIn(value, secretValues),
    ]),
  );
}

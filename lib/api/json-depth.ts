// A bound on JSON nesting, checked where request bodies are parsed (readJsonBody) and before a
// proxied call's trace is validated. JSON.parse itself copes with any depth, but everything after it
// that walks the value recursively (zod, trace normalization, multimodal stripping, privacy mode,
// JSON.stringify, the destination encoders) overflows the stack a few thousand levels down: a 500 at
// ingest, or a stored trace that no destination can encode. No real request or trace comes near the
// limit (a tool's JSON schema nests two levels per object level).

/** Most levels of nested objects and arrays in a request body or trace, counted from its root. */
export const MAX_JSON_DEPTH = 128;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether valid JSON text nests objects and arrays deeper than `max`. A scan of the text: cheaper
 * than walking the parsed value, so it runs on every body.
 */
export function jsonTextNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/**
 * The path ("a.0.b", "(root)") of the first object or array nested deeper than `max` levels in
 * `root`, or undefined. Iterative, and it never descends past the limit, so no depth can overflow it.
 */
export function pathNestedDeeperThan(root: unknown, max: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string[] }[] = [{ value: root, depth: 1, path: [] }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > max) return path.join(".") || "(root)";
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, depth: depth + 1, path: [...path, key] });
  }
  return undefined;
}

/** The message naming the limit, for the 400 and for logs. */
export const TOO_DEEP_MESSAGE = `is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays are accepted`;

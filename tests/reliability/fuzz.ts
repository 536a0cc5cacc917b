// Seeded generators of malformed inputs for the fuzz suites: a PRNG whose seed is printed so any
// failure reproduces (RELIABILITY_SEED=<n> npx vitest run tests/reliability/fuzz.test.ts), and
// mutations that put a wrong value at a field path of a valid JSON document.

/** mulberry32: tiny, fast, good enough to spread cases over the input space. */
export function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof prng>;

export function seedFromEnv(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

export type Path = (string | number)[];

/** Every path of a JSON document (objects and arrays included), root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

/**
 * doc with the value at path replaced (or removed when value is REMOVE). Copies only the objects
 * along the path (not structuredClone: a previously inserted 2000-deep value would overflow it).
 */
export const REMOVE = Symbol("remove");
export function setAt(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const node = doc as Record<string | number, unknown>;
  const copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string | number, unknown>;
  const [key, ...rest] = path;
  if (rest.length) copy[key] = setAt(node[key], rest, value);
  else if (value !== REMOVE) copy[key] = value;
  else if (Array.isArray(copy)) copy.splice(key as number, 1);
  else delete copy[key];
  return copy;
}

/**
 * True when an error's field path names something of the input: every segment but the last must
 * exist, and the last must exist too unless the field is missing (a required key the input lacks).
 * `prefix` is how the route prefixes paths of a non-body source (e.g. headers).
 */
export function pathExistsIn(input: unknown, path: string): boolean {
  if (path === "(root)") return true;
  const segments = path.split(".");
  let node: unknown = input;
  for (let i = 0; i < segments.length; i++) {
    if (node === null || typeof node !== "object") return false;
    const key = segments[i];
    if (!(key in (node as object))) return i === segments.length - 1;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function deepNesting(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Values of the wrong type, size or shape for almost any field. */
export function badValue(rng: Rng): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => Number.MAX_SAFE_INTEGER * 4,
    () => -1e300,
    () => "",
    () => "x".repeat(rng.pick([129, 257, 4097, 70_000])),
    () => [],
    () => [1, "two", null],
    () => ({}),
    () => ({ unexpected: "key" }),
    () => deepNesting(rng.pick([50, 500, 2000])),
    () => "\u0000",
    () => `a\u0000b`,
    () => "\ud800",
    () => "\udfff tail",
    () => "\u202e\ufeff\uffff",
    () => "2026-13-45T99:99:99Z",
    () => "not-a-date",
    () => rng.int(2 ** 31),
    () => String(rng.next()),
  ];
  return rng.pick(choices)();
}

/** JSON number tokens JSON.stringify cannot produce, spliced in as raw text. */
export const RAW_NUMBER_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "01", "1.", ".5", "+1"];

/** Replaces the JSON of a marker string with a raw token (NaN, 1e400…): the body stays byte-exact otherwise. */
export function withRawToken(doc: unknown, path: Path, token: string): string {
  const marker = "__RAW_TOKEN__";
  return JSON.stringify(setAt(doc, path, marker)).replace(`"${marker}"`, token);
}

/** Ways to break JSON text. */
export function brokenJson(rng: Rng, text: string): string {
  const cut = rng.int(Math.max(1, text.length - 1));
  return rng.pick([
    () => text.slice(0, cut),
    () => text.slice(0, cut) + "}" + text.slice(cut),
    () => text.replace(/"/, "'"),
    () => text + ",",
    () => "{" + text,
    () => text.replace(/:/, ""),
    () => "\ufeff" + text.slice(0, cut),
    () => "[".repeat(5000),
    () => "\u0000",
    () => "   ",
  ])();
}

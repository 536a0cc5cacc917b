// Per-token USD prices of well-known models, so a proxied call gets a cost in its trace.
//
// Source: the providers' public pricing pages (openai.com/api/pricing, anthropic.com/pricing,
// ai.google.dev/gemini-api/docs/pricing) as known on 2025-10-01, standard (non-batch) tier, prompts
// ≤ 200k tokens. Prices change: a model missing here simply gets no cost (never a guessed one).
// Values are USD per 1 million tokens, as the pricing pages state them.

export type ModelPrice = {
  /** USD per 1M uncached input tokens. */
  input: number;
  /** USD per 1M output tokens (reasoning tokens are billed as output). */
  output: number;
  /** USD per 1M cached input tokens, when the provider discounts them. */
  cachedInput?: number;
};

export const PRICES_AS_OF = "2025-10-01";

const PRICES: Record<string, ModelPrice> = {
  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  // Anthropic (OpenAI-compatible endpoint model ids)
  "claude-opus-4-1": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cachedInput: 0.08 },
  // Google
  "gemini-2.5-pro": { input: 1.25, output: 10, cachedInput: 0.31 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cachedInput: 0.075 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cachedInput: 0.025 },
};

/** Dated snapshot suffixes: "-2024-08-06" (OpenAI), "-20250514" (Anthropic), "-latest". */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The price of `model`, matched exactly after dropping a routing prefix ("openai/gpt-4o") and a
 * dated snapshot suffix ("gpt-4o-2024-08-06"). Never by prefix alone: "gpt-4o-mini" must not
 * be priced as "gpt-4o".
 */
export function priceOf(model: string): ModelPrice | undefined {
  const bare = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  return PRICES[bare] ?? PRICES[bare.replace(SNAPSHOT_SUFFIX, "")];
}

export type TokenCounts = { input_tokens: number; output_tokens: number; cached_tokens?: number };
export type Cost = { input: number; output: number; total: number };

/** USD cost of a call, or undefined when no known price applies. */
export function costOf(models: (string | undefined)[], usage: TokenCounts): Cost | undefined {
  const price = models.map((m) => (m ? priceOf(m) : undefined)).find((p) => p !== undefined);
  if (!price) return undefined;
  const cached = Math.min(usage.cached_tokens ?? 0, usage.input_tokens);
  const input = ((usage.input_tokens - cached) * price.input + cached * (price.cachedInput ?? price.input)) / 1e6;
  const output = (usage.output_tokens * price.output) / 1e6;
  return { input, output, total: input + output };
}

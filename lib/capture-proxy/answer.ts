// What the trace needs from an upstream's answer, shared by the endpoints: the recorded response,
// usage in the trace's terms, and the message of an error body.
import type { Message, TraceInput } from "@/lib/traces/schema";

type Usage = NonNullable<TraceInput["usage"]>;

export type UpstreamError = { message: string; code?: string };

/** The answer as the trace records it, whether it came as one body or as a stream. */
export type RecordedResponse = {
  id?: string;
  model?: string;
  messages: Message[];
  finishReason?: string;
  usage?: Usage;
  /** An error the upstream reported inside a 200 answer (e.g. a mid-stream error event). */
  error?: UpstreamError;
};

/** Builds the RecordedResponse of a stream from its events' JSON payloads, in order. */
export interface StreamAssembler {
  /** Adds one event's payload; returns true when it carried generated output (for time to first token). */
  add(payload: unknown): boolean;
  result(): RecordedResponse;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Provider usage → trace usage: Chat Completions and Responses names, cached and reasoning details. */
export function usageOf(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
  const input = count(raw.prompt_tokens) ?? count(raw.input_tokens);
  const output = count(raw.completion_tokens) ?? count(raw.output_tokens);
  const promptDetails = isObject(raw.prompt_tokens_details) ? raw.prompt_tokens_details : isObject(raw.input_tokens_details) ? raw.input_tokens_details : {};
  const completionDetails = isObject(raw.completion_tokens_details) ? raw.completion_tokens_details : isObject(raw.output_tokens_details) ? raw.output_tokens_details : {};
  const usage: Usage = {
    input_tokens: input,
    output_tokens: output,
    total_tokens: count(raw.total_tokens) ?? (input !== undefined && output !== undefined ? input + output : undefined),
    cached_tokens: count(promptDetails.cached_tokens),
    reasoning_tokens: count(completionDetails.reasoning_tokens),
  };
  const present = Object.fromEntries(Object.entries(usage).filter(([, v]) => v !== undefined));
  return Object.keys(present).length ? (present as Usage) : undefined;
}

/** The message and code of an error object ({message, code|type}), if it is one. */
export function errorObjectOf(error: unknown): UpstreamError | undefined {
  if (!isObject(error) || typeof error.message !== "string") return undefined;
  const code = typeof error.code === "string" ? error.code : typeof error.type === "string" ? error.type : undefined;
  return { message: error.message.slice(0, 4096), ...(code ? { code: code.slice(0, 128) } : {}) };
}

/** The message and code of an error body in OpenAI's shape (or a text excerpt of anything else). */
export function upstreamErrorOf(body: string): UpstreamError {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = isObject(parsed) ? parsed.error : undefined;
    const fromObject = errorObjectOf(error);
    if (fromObject) return fromObject;
    if (typeof error === "string") return { message: error.slice(0, 4096) };
  } catch {
    // Not JSON: the text itself is the message.
  }
  return { message: body.slice(0, 4096) || "(empty response body)" };
}

/** The JSON object of a whole-body 2xx answer, or the RecordedResponse saying it is not one. */
export function answerJson(body: string): { json: Record<string, unknown> } | { invalid: RecordedResponse } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { invalid: { messages: [], error: { message: `The upstream answered with a body that is not JSON: ${body.slice(0, 200)}` } } };
  }
  return isObject(parsed) ? { json: parsed } : { invalid: { messages: [], error: { message: "The upstream answered with JSON that is not an object" } } };
}

/**
 * The longest prefix of a cut-off JSON text that ends on a complete value or inside a value string,
 * closed (string, then every open object and array) so that it parses: what a truncated answer
 * still says (its id, model and the start of its content). Undefined when nothing usable is left.
 */
export function closeTruncatedJson(text: string): string | undefined {
  const open: string[] = [];
  let inString = false;
  let stringIsKey = false;
  let escapeLeft = 0;
  // Per open object: whether the next string is a key.
  const expectsKey: boolean[] = [];
  let safe: { end: number; open: string[] } | undefined;
  const closing = (stack: string[]) => stack.map((c) => (c === "{" ? "}" : "]")).reverse().join("");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escapeLeft > 0) escapeLeft = c === "u" && escapeLeft === 1 && text[i - 1] === "\\" ? 4 : escapeLeft - 1;
      else if (c === "\\") escapeLeft = 1;
      else if (c === '"') {
        inString = false;
        if (!stringIsKey) safe = { end: i + 1, open: [...open] };
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      stringIsKey = open.at(-1) === "{" && expectsKey.at(-1) === true;
    } else if (c === "{" || c === "[") {
      open.push(c);
      expectsKey.push(c === "{");
    } else if (c === "}" || c === "]") {
      open.pop();
      expectsKey.pop();
      safe = { end: i + 1, open: [...open] };
    } else if (c === ",") {
      safe = { end: i, open: [...open] };
      if (open.at(-1) === "{") expectsKey[expectsKey.length - 1] = true;
    } else if (c === ":") expectsKey[expectsKey.length - 1] = false;
  }
  const candidate = inString && !stringIsKey && escapeLeft === 0 ? `${text}"${closing(open)}` : safe ? `${text.slice(0, safe.end)}${closing(safe.open)}` : undefined;
  if (candidate === undefined) return undefined;
  try {
    JSON.parse(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

// OpenTelemetry spans → Tracecast traces (docs/otlp.md lists every attribute read here). Pure.
//
// - Each LLM generation span becomes one trace; the generation spans of one OpenTelemetry trace
//   share its trace id (`trace.trace_id`), so they stay one trace downstream.
// - Every other span (HTTP, database, workflow, tool, agent…) is not stored: the ones above a
//   generation in the same request name it (`trace_name` from the top one, `span_name` from the
//   nearest one between), and lend it user, session and metadata it does not carry itself.
// - Conventions read, first match wins: OpenTelemetry GenAI (`gen_ai.*`, current and older names),
//   OpenRouter Broadcast and Tracecast's own OTLP output, OpenInference (`llm.*`, `input.value`),
//   OpenLLMetry/Traceloop (`gen_ai.prompt.N.*`, `llm.usage.*`, `traceloop.*`) and the Vercel AI SDK (`ai.*`).
import { LIMITS, traceInput, type ParsedTraceInput, type TraceInput } from "@/lib/traces/schema";
import type { AttributeValue, Attributes, IncomingSpan } from "./decode";

type Message = NonNullable<TraceInput["request"]["messages"]>[number];
type ToolCall = NonNullable<Message["tool_calls"]>[number];

export type MappedSpans = {
  /** One trace per generation span, in request order. */
  traces: { spanId: string; input: ParsedTraceInput }[];
  /** Generation spans that could not become a valid trace, with the reason. */
  rejected: { spanId: string; reason: string }[];
  /** Spans that are not LLM generations (not stored). */
  ignored: number;
};

// ───────────── which spans are generations ─────────────

const GENERATION_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "completion"]);

/** True for a span that records one LLM call. The most specific convention present decides. */
export function isGeneration(a: Attributes): boolean {
  const openInference = str(a["openinference.span.kind"]);
  if (openInference) return openInference.toUpperCase() === "LLM";
  const vercel = str(a["ai.operationId"]);
  if (vercel) return /\.do(Generate|Stream)$/.test(vercel);
  // OpenRouter Broadcast (and Langfuse-style producers) mark the generation among its attempt spans.
  const observation = str(a["span.type"]) ?? str(a["langfuse.observation.type"]);
  if (observation) return observation.toLowerCase() === "generation";
  const operation = str(a["gen_ai.operation.name"]) ?? str(a["llm.request.type"]);
  if (operation) return GENERATION_OPERATIONS.has(operation.toLowerCase());
  return str(a["gen_ai.request.model"]) !== undefined || str(a["gen_ai.system"]) !== undefined || str(a["gen_ai.provider.name"]) !== undefined;
}

// ───────────── attribute helpers ─────────────

function str(v: AttributeValue | undefined): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** A number, also from a numeric string (some SDKs send token counts as strings). */
function num(v: AttributeValue | undefined): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

const first = <T>(a: Attributes, keys: string[], read: (v: AttributeValue | undefined) => T | undefined): T | undefined => {
  for (const key of keys) {
    const value = read(a[key]);
    if (value !== undefined) return value;
  }
  return undefined;
};

/** A structured value that arrived as a JSON string (how most SDKs send messages) or as a real array/map. */
function structured(v: AttributeValue | undefined): unknown {
  if (typeof v !== "string") return v ?? undefined;
  const trimmed = v.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** Drops the keys whose value is undefined (the trace schema is strict about what it is given, not about absence). */
const defined = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const asString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v) ?? "");

/** Keys `prefix.N.rest` grouped by N (in numeric order) as `rest → value`. */
function indexed(a: Attributes, prefix: string): Attributes[] {
  const groups = new Map<number, Attributes>();
  for (const [key, value] of Object.entries(a)) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
    if (!m) continue;
    const index = Number(m[1]);
    if (!groups.has(index)) groups.set(index, {});
    groups.get(index)![m[2]] = value;
  }
  return [...groups].sort(([x], [y]) => x - y).map(([, group]) => group);
}

// ───────────── messages ─────────────

const ROLE_ALIASES: Record<string, Message["role"]> = {
  system: "system",
  developer: "developer",
  user: "user",
  human: "user",
  assistant: "assistant",
  ai: "assistant",
  model: "assistant",
  tool: "tool",
  function: "function",
};

const roleOf = (role: unknown, fallback: Message["role"]): Message["role"] => ROLE_ALIASES[String(role ?? "").toLowerCase()] ?? fallback;

/** One text string when the parts are all text, else OpenAI-style content parts. */
function contentOf(texts: string[], others: Record<string, unknown>[]): Message["content"] {
  if (others.length === 0) return texts.length ? texts.join("") : undefined;
  return [...texts.map((t) => ({ type: "text", text: t })), ...others.map((p) => ({ ...p, type: String(p.type ?? "file").slice(0, 64) }))];
}

/** GenAI semantic-convention messages ({role, parts[]}) → chat messages; tool responses become their own messages. */
function fromSemconv(value: unknown, fallbackRole: Message["role"]): Message[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Message[] = [];
  for (const m of value) {
    if (!isRecord(m)) continue;
    const role = roleOf(m.role, fallbackRole);
    const texts: string[] = [];
    const others: Record<string, unknown>[] = [];
    const calls: ToolCall[] = [];
    let reasoning: string | undefined;
    for (const part of Array.isArray(m.parts) ? m.parts : []) {
      if (!isRecord(part)) continue;
      if (part.type === "text" && typeof part.content === "string") texts.push(part.content);
      else if (part.type === "reasoning" && typeof part.content === "string") reasoning = (reasoning ?? "") + part.content;
      else if (part.type === "tool_call") calls.push(toolCall(part.id, part.name, part.arguments));
      else if (part.type === "tool_call_response") out.push({ role: "tool", content: asString(part.response), ...(text(part.id) ? { tool_call_id: text(part.id) } : {}) });
      else others.push(part);
    }
    const content = contentOf(texts, others);
    if (content === undefined && !calls.length && reasoning === undefined) continue;
    out.push({
      role,
      ...(content !== undefined ? { content } : {}),
      ...(text(m.name) ? { name: text(m.name) } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(reasoning !== undefined ? { reasoning } : {}),
    });
  }
  return out;
}

function toolCall(id: unknown, name: unknown, args: unknown): ToolCall {
  return {
    ...(text(id) ? { id: text(id) } : {}),
    type: "function",
    function: { name: text(name) ?? "unknown", ...(args !== undefined && args !== null ? { arguments: asString(args) } : {}) },
  };
}

/** `gen_ai.input.messages`' system counterpart: `gen_ai.system_instructions` (a list of parts). */
function systemInstructions(value: unknown): Message[] {
  if (!Array.isArray(value)) return [];
  const texts = value.filter(isRecord).map((p) => text(p.content)).filter((t): t is string => t !== undefined);
  return texts.length ? [{ role: "system", content: texts.join("\n") }] : [];
}

/** OpenAI chat messages (OpenRouter's `gen_ai.prompt` {"messages":[…]}): already Tracecast's shape, roles checked. */
function fromChatMessages(value: unknown): Message[] | undefined {
  const list = isRecord(value) && Array.isArray(value.messages) ? value.messages : Array.isArray(value) ? value : undefined;
  if (!list) return undefined;
  return list.filter(isRecord).map((m) => ({ ...m, role: roleOf(m.role, "user") }) as Message);
}

/** Flattened `prefix.N.role/content/tool_calls.M.*` messages (OpenLLMetry's gen_ai.prompt/completion). */
function fromFlattened(a: Attributes, prefix: string, fallbackRole: Message["role"]): Message[] | undefined {
  const groups = indexed(a, prefix);
  if (!groups.length) return undefined;
  return groups.map((g) => {
    const calls = indexed(g, "tool_calls.").map((c) => toolCall(c.id, c.name, c.arguments));
    return {
      role: roleOf(g.role, fallbackRole),
      ...(str(g.content) !== undefined ? { content: str(g.content) } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(str(g.tool_call_id) ? { tool_call_id: str(g.tool_call_id) } : {}),
    };
  });
}

/** OpenInference `llm.input_messages.N.message.*`. */
function fromOpenInference(a: Attributes, prefix: string, fallbackRole: Message["role"]): Message[] | undefined {
  const groups = indexed(a, prefix);
  if (!groups.length) return undefined;
  return groups.map((g) => {
    const calls = indexed(g, "message.tool_calls.").map((c) => toolCall(c["tool_call.id"], c["tool_call.function.name"], c["tool_call.function.arguments"]));
    const texts = indexed(g, "message.contents.")
      .map((c) => str(c["message_content.text"]))
      .filter((t): t is string => t !== undefined);
    const content = str(g["message.content"]) ?? (texts.length ? texts.join("") : undefined);
    return {
      role: roleOf(g["message.role"], fallbackRole),
      ...(content !== undefined ? { content } : {}),
      ...(str(g["message.name"]) ? { name: str(g["message.name"]) } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(str(g["message.tool_call_id"]) ? { tool_call_id: str(g["message.tool_call_id"]) } : {}),
    };
  });
}

/** Vercel AI SDK messages (`ai.prompt.messages`): content parts text / tool-call / tool-result / reasoning / file. */
function fromVercel(value: unknown): Message[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Message[] = [];
  for (const m of value.filter(isRecord)) {
    const role = roleOf(m.role, "user");
    if (typeof m.content === "string") {
      out.push({ role, content: m.content });
      continue;
    }
    const texts: string[] = [];
    const others: Record<string, unknown>[] = [];
    const calls: ToolCall[] = [];
    let reasoning: string | undefined;
    for (const part of Array.isArray(m.content) ? m.content.filter(isRecord) : []) {
      if (part.type === "text" && typeof part.text === "string") texts.push(part.text);
      else if (part.type === "reasoning" && typeof part.text === "string") reasoning = (reasoning ?? "") + part.text;
      else if (part.type === "tool-call") calls.push(toolCall(part.toolCallId, part.toolName, part.input ?? part.args));
      else if (part.type === "tool-result") out.push({ role: "tool", content: asString(part.output ?? part.result), ...(text(part.toolCallId) ? { tool_call_id: text(part.toolCallId) } : {}) });
      else others.push(part);
    }
    const content = contentOf(texts, others);
    if (content === undefined && !calls.length && reasoning === undefined) continue;
    out.push({ role, ...(content !== undefined ? { content } : {}), ...(calls.length ? { tool_calls: calls } : {}), ...(reasoning !== undefined ? { reasoning } : {}) });
  }
  return out;
}

/** The Vercel AI SDK's answer: `ai.response.text`, `ai.response.toolCalls`, `ai.response.reasoning`. */
function vercelOutput(a: Attributes): Message[] | undefined {
  const answer = str(a["ai.response.text"]);
  const calls = structured(a["ai.response.toolCalls"]);
  const reasoning = str(a["ai.response.reasoning"]) ?? str(a["ai.response.reasoningText"]);
  const toolCalls = Array.isArray(calls) ? calls.filter(isRecord).map((c) => toolCall(c.toolCallId, c.toolName, c.input ?? c.args)) : [];
  if (answer === undefined && !toolCalls.length && reasoning === undefined) return undefined;
  return [{ role: "assistant", ...(answer !== undefined ? { content: answer } : {}), ...(toolCalls.length ? { tool_calls: toolCalls } : {}), ...(reasoning !== undefined ? { reasoning } : {}) }];
}

/** OpenRouter's `gen_ai.completion` / `trace.output`: {"completion": "…", "reasoning"?, "toolCalls"?}. */
function openRouterOutput(value: unknown): Message[] | undefined {
  if (!isRecord(value) || !("completion" in value)) return undefined;
  const calls = Array.isArray(value.toolCalls)
    ? value.toolCalls.filter(isRecord).map((c) => {
        const fn = isRecord(c.function) ? c.function : c;
        return toolCall(c.id, fn.name, fn.arguments);
      })
    : [];
  return [
    {
      role: "assistant",
      ...(typeof value.completion === "string" ? { content: value.completion } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(typeof value.reasoning === "string" ? { reasoning: value.reasoning } : {}),
    },
  ];
}

/** OpenInference `input.value` / `output.value`: chat messages when it is JSON holding them, else one text message. */
function fromValue(value: AttributeValue | undefined, role: Message["role"]): Message[] | undefined {
  const plain = str(value);
  if (plain === undefined) return undefined;
  const parsed = structured(value);
  const messages = fromChatMessages(parsed);
  if (messages) return messages;
  return [{ role, content: plain }];
}

function inputMessages(a: Attributes): Message[] {
  const semconv = fromSemconv(structured(a["gen_ai.input.messages"]), "user");
  if (semconv) return [...systemInstructions(structured(a["gen_ai.system_instructions"])), ...semconv];
  return (
    fromFlattened(a, "gen_ai.prompt.", "user") ??
    fromOpenInference(a, "llm.input_messages.", "user") ??
    fromChatMessages(structured(a["gen_ai.prompt"])) ??
    fromChatMessages(structured(a["trace.input"])) ??
    fromVercel(structured(a["ai.prompt.messages"])) ??
    fromValue(a["input.value"], "user") ??
    []
  );
}

function outputMessages(a: Attributes): Message[] {
  return (
    fromSemconv(structured(a["gen_ai.output.messages"]), "assistant") ??
    fromFlattened(a, "gen_ai.completion.", "assistant") ??
    fromOpenInference(a, "llm.output_messages.", "assistant") ??
    openRouterOutput(structured(a["gen_ai.completion"])) ??
    openRouterOutput(structured(a["trace.output"])) ??
    vercelOutput(a) ??
    fromValue(a["output.value"], "assistant") ??
    []
  );
}

// ───────────── the other fields ─────────────

const INPUT_TOKENS = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens", "llm.token_count.prompt", "ai.usage.inputTokens", "ai.usage.promptTokens"];
const OUTPUT_TOKENS = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens", "llm.token_count.completion", "ai.usage.outputTokens", "ai.usage.completionTokens"];
const TOTAL_TOKENS = ["gen_ai.usage.total_tokens", "llm.usage.total_tokens", "llm.token_count.total", "ai.usage.totalTokens"];
const CACHED_TOKENS = [
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.input_tokens.cached",
  "gen_ai.usage.cache_read_input_tokens",
  "llm.token_count.prompt_details.cache_read",
  "ai.usage.cachedInputTokens",
];
const REASONING_TOKENS = ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.output_tokens.reasoning", "llm.token_count.completion_details.reasoning", "ai.usage.reasoningTokens"];

const tokenCount = (v: AttributeValue | undefined) => {
  const n = num(v);
  return n !== undefined && n >= 0 ? Math.trunc(n) : undefined;
};
const amount = (v: AttributeValue | undefined) => {
  const n = num(v);
  return n !== undefined && n >= 0 ? n : undefined;
};

/** `gen_ai.request.*` parameters under the names Tracecast (and OpenAI) use. */
const PARAMETERS: Record<string, string> = {
  "gen_ai.request.temperature": "temperature",
  "gen_ai.request.top_p": "top_p",
  "gen_ai.request.top_k": "top_k",
  "gen_ai.request.max_tokens": "max_tokens",
  "gen_ai.request.frequency_penalty": "frequency_penalty",
  "gen_ai.request.presence_penalty": "presence_penalty",
  "gen_ai.request.seed": "seed",
  "gen_ai.request.choice.count": "n",
  "gen_ai.request.stop_sequences": "stop",
};

type Parameter = string | number | boolean | null;
const isParameter = (v: unknown): v is Parameter => v === null || ["string", "number", "boolean"].includes(typeof v);

/** Tool definitions: `gen_ai.tool.definitions` (OpenAI's {type, function} or the conventions' flat {type, name, …}), OpenInference `llm.tools.N.tool.json_schema`. */
function toolsOf(a: Attributes): unknown[] | undefined {
  const definitions = structured(a["gen_ai.tool.definitions"]);
  const list = Array.isArray(definitions) ? definitions : indexed(a, "llm.tools.").map((t) => structured(t["tool.json_schema"]));
  const tools = list.filter(isRecord).map((t) =>
    isRecord(t.function) ? t : { type: text(t.type) ?? "function", function: defined({ name: t.name, description: t.description, parameters: t.parameters }) },
  );
  return tools.length ? tools : undefined;
}

function parametersOf(a: Attributes): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  const invocation = structured(a["llm.invocation_parameters"]);
  if (isRecord(invocation)) for (const [k, v] of Object.entries(invocation)) if (isParameter(v) && k !== "model") out[k] = v;
  for (const [key, name] of Object.entries(PARAMETERS)) {
    const v = a[key];
    if (Array.isArray(v)) out[name] = v.map(String).join(",");
    else if (isParameter(v)) out[name] = v;
  }
  return out;
}

/** `provider.chat` (Vercel's `ai.model.provider`) → `provider`. */
const providerOf = (a: Attributes) =>
  first(a, ["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"], str) ?? str(a["ai.model.provider"])?.split(".")[0];

function finishReasonOf(a: Attributes): string | undefined {
  const list = a["gen_ai.response.finish_reasons"];
  const reasons = Array.isArray(list) ? list : structured(list);
  if (Array.isArray(reasons) && typeof reasons[0] === "string") return reasons[0];
  const output = structured(a["gen_ai.output.messages"]);
  if (Array.isArray(output) && isRecord(output[0]) && typeof output[0].finish_reason === "string") return output[0].finish_reason;
  return first(a, ["gen_ai.response.finish_reason", "ai.response.finishReason", "gen_ai.completion.0.finish_reason", "llm.output_messages.0.message.finish_reason"], str) ?? str(list);
}

/** Seconds from `gen_ai.response.time_to_first_chunk` / milliseconds from `ai.response.msToFirstChunk`. */
function timeToFirstTokenMs(a: Attributes): number | undefined {
  const seconds = amount(a["gen_ai.response.time_to_first_chunk"]);
  if (seconds !== undefined) return seconds * 1000;
  return amount(a["ai.response.msToFirstChunk"]) ?? amount(a["ai.stream.msToFirstChunk"]);
}

/** Attributes read into trace fields (or pure bookkeeping): not repeated as metadata. */
const CONSUMED_PREFIXES = ["gen_ai.", "llm.", "ai.prompt", "ai.response.", "ai.usage.", "ai.model.", "ai.settings.", "ai.telemetry.", "traceloop.", "openinference.", "langfuse.", "tracecast.", "trace.", "span."];
const CONSUMED_KEYS = new Set(["user.id", "session.id", "enduser.id", "user_agent.original", "http.user_agent", "input.value", "input.mime_type", "output.value", "output.mime_type", "metadata", "ai.operationId", "operation.name", "resource.name", "error.type", "sampling.rate"]);

/**
 * Custom metadata set as such: OpenRouter/Tracecast `trace.metadata.*`, OpenInference `metadata`
 * (JSON), Vercel `ai.telemetry.metadata.*`, Traceloop `traceloop.association.properties.*`.
 */
function explicitMetadata(a: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const openInference = structured(a.metadata);
  if (isRecord(openInference)) Object.assign(out, openInference);
  for (const prefix of ["trace.metadata.", "ai.telemetry.metadata.", "traceloop.association.properties."]) {
    for (const [key, value] of Object.entries(a)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  }
  return out;
}

/** The generation span's attributes no field took, under their own names (custom attributes set on the call). */
function otherAttributes(a: Attributes): Record<string, unknown> {
  return Object.fromEntries(Object.entries(a).filter(([key]) => !CONSUMED_KEYS.has(key) && !CONSUMED_PREFIXES.some((p) => key.startsWith(p))));
}

const USER_KEYS = ["user.id", "enduser.id", "langfuse.user.id", "traceloop.association.properties.user_id", "ai.telemetry.metadata.userId"];
const SESSION_KEYS = ["session.id", "gen_ai.conversation.id", "langfuse.session.id", "traceloop.association.properties.session_id", "ai.telemetry.metadata.sessionId"];
const USER_AGENT_KEYS = ["user_agent.original", "http.user_agent"];
const TRACE_NAME_KEYS = ["trace.name", "langfuse.trace.name", "traceloop.workflow.name", "ai.telemetry.functionId"];
/** Keys of the `trace` object that mean something to Tracecast: never filled from metadata. */
const TRACE_FIELDS = new Set(["trace_id", "trace_name", "span_name", "generation_name", "parent_span_id"]);

const clip = (name: string | undefined, max: number) => (name === undefined || name === "" ? undefined : name.slice(0, max));

function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

/** The trace of one generation span; `ancestors` are the spans above it in this request, nearest first. */
function traceOf(span: IncomingSpan, ancestors: IncomingSpan[]): TraceInput {
  const a = span.attributes;
  // Identity may be set on an enclosing span (a workflow, a request handler) rather than on the call itself.
  const chain = [a, ...ancestors.map((s) => s.attributes)];
  const inherited = (keys: string[]) => {
    for (const attrs of chain) {
      const value = first(attrs, keys, str);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const top = ancestors.at(-1);
  const nearest = ancestors.length > 1 ? ancestors[0] : undefined;
  // The generation's own attributes win over its ancestors' explicit metadata.
  const metadata: Record<string, unknown> = {};
  for (const ancestor of [...ancestors].reverse()) Object.assign(metadata, explicitMetadata(ancestor.attributes));
  Object.assign(metadata, otherAttributes(a), explicitMetadata(a));
  const service = str(span.resource["service.name"]);
  if (service && !("service.name" in metadata)) metadata["service.name"] = service;
  for (const key of TRACE_FIELDS) delete metadata[key];

  const start = nanosToMs(span.startNanos);
  const isError = span.status.code === 2;
  const errorType = str(a["error.type"]);
  const stream = a["gen_ai.request.stream"] ?? a["llm.is_streaming"];
  const cost = defined({
    input: first(a, ["gen_ai.usage.input_cost", "llm.cost.prompt"], amount),
    output: first(a, ["gen_ai.usage.output_cost", "llm.cost.completion"], amount),
    total: first(a, ["gen_ai.usage.total_cost", "gen_ai.usage.cost", "llm.cost.total"], amount),
  });
  const finishReason = finishReasonOf(a);
  // OpenInference puts the model asked for in its invocation parameters and the one that answered
  // (e.g. a dated snapshot) in llm.model_name: the first is the trace's model, as gen_ai.request.model is.
  const invocation = structured(a["llm.invocation_parameters"]);
  const invokedModel = isRecord(invocation) ? text(invocation.model) : undefined;
  return defined({
    // Tracecast's own OTLP output carries the original ids: kept, a trace forwarded twice stays the same trace.
    id: str(a["tracecast.generation.id"])?.slice(0, LIMITS.idLength) ?? span.spanId,
    model: clip(str(a["gen_ai.request.model"]) ?? invokedModel ?? first(a, ["gen_ai.response.model", "llm.model_name", "ai.model.id", "langfuse.observation.model.name"], str), LIMITS.modelLength) ?? "",
    provider: clip(providerOf(a), LIMITS.nameLength),
    request: defined({ messages: inputMessages(a), tools: toolsOf(a), parameters: parametersOf(a) }) as TraceInput["request"],
    response: defined({
      id: first(a, ["gen_ai.response.id", "ai.response.id"], str),
      model: first(a, ["gen_ai.response.model", "ai.response.model"], str) ?? (invokedModel ? str(a["llm.model_name"]) : undefined),
      messages: outputMessages(a),
    }),
    usage: defined({
      input_tokens: first(a, INPUT_TOKENS, tokenCount),
      output_tokens: first(a, OUTPUT_TOKENS, tokenCount),
      total_tokens: first(a, TOTAL_TOKENS, tokenCount),
      cached_tokens: first(a, CACHED_TOKENS, tokenCount),
      reasoning_tokens: first(a, REASONING_TOKENS, tokenCount),
    }),
    cost: Object.keys(cost).length ? cost : undefined,
    timing: defined({ start, end: Math.max(start, nanosToMs(span.endNanos)), time_to_first_token_ms: timeToFirstTokenMs(a) }),
    finish_reason: finishReason?.slice(0, 64),
    stream: typeof stream === "boolean" ? stream : /\.doStream$/.test(str(a["ai.operationId"]) ?? "") || undefined,
    status: isError ? "error" : "ok",
    error: isError ? defined({ message: (span.status.message ?? errorType ?? "error").slice(0, 4096), code: errorType?.slice(0, 128) }) : undefined,
    user: inherited(USER_KEYS),
    session_id: inherited(SESSION_KEYS),
    // Tracecast's own OTLP output names the app (tracecast.app.*): kept when forwarded again.
    app: defined({ name: clip(inherited(["tracecast.app.name"]), LIMITS.nameLength), url: clip(inherited(["tracecast.app.url"]), LIMITS.urlLength) }),
    user_agent: clip(inherited(USER_AGENT_KEYS), LIMITS.userAgentLength),
    trace: defined({
      ...metadata,
      trace_id: str(a["tracecast.trace.id"])?.slice(0, LIMITS.idLength) ?? span.traceId,
      trace_name: clip(inherited(TRACE_NAME_KEYS) ?? top?.name, LIMITS.nameLength),
      span_name: clip(nearest && (str(nearest.attributes["traceloop.entity.name"]) ?? nearest.name), LIMITS.nameLength),
      generation_name: clip(span.name, LIMITS.nameLength),
      // The span this request's part of the tree hangs from when that span is not in the request
      // (exported in another batch, or by another service).
      parent_span_id: (top ?? span).parentSpanId,
    }),
  });
}

const VALID_TRACE_ID = /^[0-9a-f]{32}$/;
const VALID_SPAN_ID = /^[0-9a-f]{16}$/;

/** Maps a request's spans; each generation span is validated as the JSON API validates a trace. */
export function mapSpans(spans: IncomingSpan[]): MappedSpans {
  const byId = new Map(spans.map((s) => [`${s.traceId}:${s.spanId}`, s]));
  const result: MappedSpans = { traces: [], rejected: [], ignored: 0 };
  for (const span of spans) {
    if (!isGeneration(span.attributes)) {
      result.ignored++;
      continue;
    }
    if (!VALID_TRACE_ID.test(span.traceId) || /^0+$/.test(span.traceId) || !VALID_SPAN_ID.test(span.spanId) || /^0+$/.test(span.spanId)) {
      result.rejected.push({ spanId: span.spanId, reason: "traceId must be 16 bytes and spanId 8 bytes, not all zero" });
      continue;
    }
    if (result.traces.length === LIMITS.tracesPerBatch) {
      result.rejected.push({ spanId: span.spanId, reason: `more than ${LIMITS.tracesPerBatch} LLM spans in one request (the JSON API's batch limit); export smaller batches` });
      continue;
    }
    const ancestors: IncomingSpan[] = [];
    const seen = new Set([span.spanId]);
    for (let parent = span.parentSpanId; parent && !seen.has(parent); ) {
      const found = byId.get(`${span.traceId}:${parent}`);
      if (!found) break;
      seen.add(parent);
      ancestors.push(found);
      parent = found.parentSpanId;
    }
    const input = traceOf(span, ancestors);
    if (!input.model) {
      result.rejected.push({ spanId: span.spanId, reason: "no model attribute (gen_ai.request.model, gen_ai.response.model, llm.model_name or ai.model.id)" });
      continue;
    }
    const parsed = traceInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      result.rejected.push({ spanId: span.spanId, reason: `${issue.path.join(".") || "(root)"}: ${issue.message}` });
      continue;
    }
    result.traces.push({ spanId: span.spanId, input: parsed.data });
  }
  return result;
}

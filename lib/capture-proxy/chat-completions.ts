// POST /v1/chat/completions through the proxy: the request's messages, tools and parameters for
// the trace, and the answer assembled from a body or from streamed chunks (content deltas joined,
// tool-call deltas merged by index). A stream always asks the upstream for usage
// (stream_options.include_usage); when the caller did not, that final usage-only chunk is removed.
import { z } from "zod";
import type { RouteRequest } from "@/lib/api/route";
import { LIMITS, message, toolDefinition, type Message } from "@/lib/traces/schema";
import { answerJson, errorObjectOf, isObject, usageOf, type RecordedResponse, type StreamAssembler, type UpstreamError } from "./answer";
import type { Endpoint } from "./forward";
import { commonFields, parametersOf, proxiedRequest, readProxyBody, type ProxiedRequest } from "./request";

// Loose: every field OpenAI (or the upstream) knows is forwarded untouched; only what the proxy
// relies on is checked here, and the upstream stays the judge of everything else.
const chatRequest = z.looseObject({
  ...commonFields,
  messages: z.array(message, { error: "messages must be an array of messages" }).min(1, "messages must not be empty").max(LIMITS.messagesPerTrace),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
});

export async function readChatRequest(req: RouteRequest): Promise<ProxiedRequest> {
  const { raw, body } = await readProxyBody(req, chatRequest);
  const injectsUsage = body.stream === true && body.stream_options?.include_usage !== true;
  // Tools the trace model cannot describe (non-function tool types) are forwarded but not listed.
  const tools = (body.tools ?? []).flatMap((t) => {
    const tool = toolDefinition.safeParse(t);
    return tool.success ? [tool.data] : [];
  });
  return proxiedRequest(
    raw,
    body,
    {
      messages: body.messages,
      ...(tools.length ? { tools } : {}),
      ...(body.tool_choice !== undefined ? { tool_choice: body.tool_choice } : {}),
      parameters: parametersOf(raw, ["messages", "tools", "tool_choice", "stream_options"]),
    },
    { injectsUsage, extraUpstreamFields: injectsUsage ? { stream_options: { ...(body.stream_options ?? {}), include_usage: true } } : undefined },
  );
}

/** The final chunk `stream_options.include_usage` adds: no choices, only usage. */
export function isUsageOnlyChunk(chunk: unknown): boolean {
  if (!isObject(chunk)) return false;
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && isObject(chunk.usage);
}

type AssembledToolCall = { id?: string; type?: string; function: { name: string; arguments: string } };
type AssembledChoice = {
  role: Message["role"];
  content: string;
  hasContent: boolean;
  reasoning: string;
  refusal: string;
  toolCalls: Map<number, AssembledToolCall>;
  finishReason?: string;
};

/** Assembles streamed chat-completion chunks into the final messages. */
export class ChatStreamAssembler implements StreamAssembler {
  private readonly choices = new Map<number, AssembledChoice>();
  private id?: string;
  private model?: string;
  private usage?: RecordedResponse["usage"];
  private error?: UpstreamError;

  /** Adds one chunk; returns true when it carried generated output (for time to first token). */
  add(chunk: unknown): boolean {
    if (!isObject(chunk)) return false;
    this.error = errorObjectOf(chunk.error) ?? this.error;
    if (typeof chunk.id === "string" && chunk.id) this.id ??= chunk.id;
    if (typeof chunk.model === "string" && chunk.model) this.model ??= chunk.model;
    this.usage = usageOf(chunk.usage) ?? this.usage;
    let produced = false;
    for (const raw of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isObject(raw)) continue;
      const index = typeof raw.index === "number" ? raw.index : 0;
      let choice = this.choices.get(index);
      if (!choice) {
        choice = { role: "assistant", content: "", hasContent: false, reasoning: "", refusal: "", toolCalls: new Map() };
        this.choices.set(index, choice);
      }
      if (typeof raw.finish_reason === "string") choice.finishReason = raw.finish_reason;
      const delta = isObject(raw.delta) ? raw.delta : {};
      if (delta.role === "assistant" || delta.role === "tool") choice.role = delta.role;
      if (typeof delta.content === "string") {
        choice.hasContent = true;
        choice.content += delta.content;
        produced ||= delta.content.length > 0;
      }
      // "reasoning" (OpenRouter, vLLM) and "reasoning_content" (DeepSeek) carry thinking deltas.
      for (const text of [delta.reasoning, delta.reasoning_content]) {
        if (typeof text === "string") {
          choice.reasoning += text;
          produced ||= text.length > 0;
        }
      }
      if (typeof delta.refusal === "string") {
        choice.refusal += delta.refusal;
        produced ||= delta.refusal.length > 0;
      }
      for (const rawCall of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        if (!isObject(rawCall)) continue;
        produced = true;
        const callIndex = typeof rawCall.index === "number" ? rawCall.index : choice.toolCalls.size;
        let call = choice.toolCalls.get(callIndex);
        if (!call) {
          call = { function: { name: "", arguments: "" } };
          choice.toolCalls.set(callIndex, call);
        }
        if (typeof rawCall.id === "string" && rawCall.id) call.id ??= rawCall.id;
        if (typeof rawCall.type === "string") call.type ??= rawCall.type;
        const fn = isObject(rawCall.function) ? rawCall.function : {};
        // The name arrives whole in the first delta; providers that repeat it must not double it.
        if (typeof fn.name === "string" && fn.name && !call.function.name) call.function.name = fn.name;
        if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
      }
    }
    return produced;
  }

  result(): RecordedResponse {
    const ordered = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    const messages: Message[] = ordered.map((c) => {
      const toolCalls = [...c.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => ({ ...call, type: call.type ?? "function" }));
      return {
        role: c.role,
        content: c.hasContent ? c.content : null,
        ...(c.reasoning ? { reasoning: c.reasoning } : {}),
        ...(c.refusal ? { refusal: c.refusal } : {}),
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      };
    });
    return { id: this.id, model: this.model, messages, finishReason: ordered[0]?.finishReason, usage: this.usage, error: this.error };
  }
}

/** The same facts from a non-streamed chat completion body. */
export function completionResponseOf(body: string): RecordedResponse {
  const answer = answerJson(body);
  if ("invalid" in answer) return answer.invalid;
  const parsed = answer.json;
  const choices = (Array.isArray(parsed.choices) ? parsed.choices : []).filter(isObject);
  const messages = choices.map((c): Message => {
    const parsedMessage = message.safeParse(c.message);
    // A message shape the trace model does not know keeps its text, so the trace is still recorded.
    if (parsedMessage.success) return parsedMessage.data;
    const content = isObject(c.message) && typeof c.message.content === "string" ? c.message.content : JSON.stringify(c.message ?? null);
    return { role: "assistant", content };
  });
  const finish = choices[0]?.finish_reason;
  return {
    id: typeof parsed.id === "string" ? parsed.id : undefined,
    model: typeof parsed.model === "string" ? parsed.model : undefined,
    messages,
    finishReason: typeof finish === "string" ? finish : undefined,
    usage: usageOf(parsed.usage),
    error: errorObjectOf(parsed.error),
  };
}

export const chatCompletionsEndpoint: Endpoint = {
  path: "/chat/completions",
  readRequest: readChatRequest,
  newStreamAssembler: () => new ChatStreamAssembler(),
  isInjectedPayload: isUsageOnlyChunk,
  bodyResponse: completionResponseOf,
};

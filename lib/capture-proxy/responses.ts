// POST /v1/responses (OpenAI's Responses API) through the proxy. The request's `instructions` and
// `input` items become the trace's messages (function calls and their outputs as tool calls and
// tool messages); the answer is read from the Response object, in a body or in the stream's
// terminal event (response.completed / incomplete / failed), which always carries usage, so
// nothing is injected or removed.
//
// Input and output items the trace model has no place for (reasoning items, item references,
// built-in tool calls such as web_search_call) are forwarded but not listed in the trace.
import { z } from "zod";
import type { RouteRequest } from "@/lib/api/route";
import { LIMITS, message, toolDefinition, type Message, type ToolDefinition } from "@/lib/traces/schema";
import { answerJson, errorObjectOf, isObject, usageOf, type RecordedResponse, type StreamAssembler, type UpstreamError } from "./answer";
import type { Endpoint } from "./forward";
import { commonFields, parametersOf, proxiedRequest, readProxyBody, type ProxiedRequest } from "./request";

const inputItem = z.looseObject({ type: z.string().optional(), role: z.string().optional() });

const responsesRequest = z.looseObject({
  ...commonFields,
  input: z.union([z.string(), z.array(inputItem, { error: "input must be a string or an array of input items" }).max(LIMITS.messagesPerTrace)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
});

const MESSAGE_ROLES = new Set(["system", "developer", "user", "assistant"]);

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

// Content parts stay as they are: the trace model takes any typed part, and lib/traces/content.ts
// reads input_text / output_text / refusal parts as text (and strips images and files).
const contentOf = (content: unknown): unknown => (typeof content === "string" || content === null || Array.isArray(content) ? content : text(content));

/** The trace messages of `instructions` + `input`. */
export function inputMessages(instructions: string | null | undefined, input: string | Record<string, unknown>[] | undefined): Message[] {
  const messages: Message[] = instructions ? [{ role: "system", content: instructions }] : [];
  if (typeof input === "string") return [...messages, { role: "user", content: input }];
  for (const item of input ?? []) {
    let candidate: unknown;
    if ((item.type === undefined || item.type === "message") && MESSAGE_ROLES.has(String(item.role))) {
      candidate = { role: item.role, content: contentOf(item.content) };
    } else if (item.type === "function_call") {
      candidate = { role: "assistant", content: null, tool_calls: [{ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }] };
    } else if (item.type === "function_call_output") {
      candidate = { role: "tool", tool_call_id: item.call_id, content: text(item.output) };
    }
    const parsed = candidate === undefined ? undefined : message.safeParse(candidate);
    if (parsed?.success) messages.push(parsed.data);
  }
  return messages;
}

/** Function tools ({type:"function", name, parameters}) in the chat shape the trace uses. */
function functionTools(tools: Record<string, unknown>[]): ToolDefinition[] {
  return tools.flatMap((t) => {
    if (t.type !== "function") return [];
    const tool = toolDefinition.safeParse({ type: "function", function: { name: t.name, description: t.description ?? undefined, parameters: t.parameters ?? undefined } });
    return tool.success ? [tool.data] : [];
  });
}

export async function readResponsesRequest(req: RouteRequest): Promise<ProxiedRequest> {
  const { raw, body } = await readProxyBody(req, responsesRequest);
  const tools = functionTools(body.tools ?? []);
  return proxiedRequest(raw, body, {
    messages: inputMessages(body.instructions, body.input),
    ...(tools.length ? { tools } : {}),
    ...(body.tool_choice !== undefined ? { tool_choice: body.tool_choice } : {}),
    parameters: parametersOf(raw, ["input", "instructions", "tools", "tool_choice"]),
  });
}

/** The recorded answer of a Response object (the body, or a stream's terminal event). */
export function recordedResponseOf(response: Record<string, unknown>): RecordedResponse {
  let content: string | null = null;
  let refusal = "";
  let reasoning = "";
  const toolCalls: NonNullable<Message["tool_calls"]> = [];
  for (const item of (Array.isArray(response.output) ? response.output : []).filter(isObject)) {
    if (item.type === "message") {
      for (const part of (Array.isArray(item.content) ? item.content : []).filter(isObject)) {
        if (part.type === "output_text" && typeof part.text === "string") content = (content ?? "") + part.text;
        if (part.type === "refusal" && typeof part.refusal === "string") refusal += part.refusal;
      }
    } else if (item.type === "function_call" && typeof item.name === "string") {
      toolCalls.push({ id: typeof item.call_id === "string" ? item.call_id : undefined, type: "function", function: { name: item.name, arguments: text(item.arguments) } });
    } else if (item.type === "reasoning") {
      for (const part of (Array.isArray(item.summary) ? item.summary : []).filter(isObject)) if (typeof part.text === "string") reasoning += part.text;
    }
  }
  const produced = content !== null || refusal || reasoning || toolCalls.length;
  const status = typeof response.status === "string" ? response.status : undefined;
  const incompleteReason = isObject(response.incomplete_details) && typeof response.incomplete_details.reason === "string" ? response.incomplete_details.reason : undefined;
  return {
    id: typeof response.id === "string" ? response.id : undefined,
    model: typeof response.model === "string" ? response.model : undefined,
    messages: produced
      ? [{ role: "assistant", content, ...(reasoning ? { reasoning } : {}), ...(refusal ? { refusal } : {}), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }]
      : [],
    finishReason:
      status === "completed" ? (toolCalls.length ? "tool_calls" : "stop") : status === "incomplete" ? (incompleteReason ?? "incomplete") : status === "failed" ? "error" : status,
    usage: usageOf(response.usage),
    error: errorObjectOf(response.error),
  };
}

/** Stream event types that carry generated output (their first one is the time to first token). */
const OUTPUT_DELTAS = new Set([
  "response.output_text.delta",
  "response.refusal.delta",
  "response.reasoning_summary_text.delta",
  "response.reasoning_text.delta",
  "response.function_call_arguments.delta",
]);
const TERMINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Reads a Responses stream: the terminal event's Response, or what arrived before the stream broke off. */
export class ResponsesStreamAssembler implements StreamAssembler {
  private final?: Record<string, unknown>;
  private started?: Record<string, unknown>;
  private readonly doneItems: unknown[] = [];
  private partialText = "";
  private error?: UpstreamError;

  add(event: unknown): boolean {
    if (!isObject(event) || typeof event.type !== "string") return false;
    if (event.type === "response.created" && isObject(event.response)) this.started = event.response;
    else if (event.type === "response.output_item.done") this.doneItems.push(event.item);
    else if (event.type === "response.output_text.delta" && typeof event.delta === "string") this.partialText += event.delta;
    else if (TERMINAL_EVENTS.has(event.type) && isObject(event.response)) this.final = event.response;
    else if (event.type === "error") this.error = errorObjectOf(event);
    return OUTPUT_DELTAS.has(event.type) && typeof event.delta === "string" && event.delta.length > 0;
  }

  result(): RecordedResponse {
    if (this.final) {
      const recorded = recordedResponseOf(this.final);
      return this.error ? { ...recorded, error: this.error } : recorded;
    }
    // Cut short: the finished items, plus the text of an unfinished message.
    const recorded = recordedResponseOf({ ...this.started, output: this.doneItems, status: undefined, usage: undefined });
    const finishedText = recorded.messages[0]?.content;
    if (this.partialText && !finishedText) {
      recorded.messages = [{ ...recorded.messages[0], role: "assistant", content: this.partialText }];
    }
    return this.error ? { ...recorded, error: this.error } : recorded;
  }
}

export const responsesEndpoint: Endpoint = {
  path: "/responses",
  readRequest: readResponsesRequest,
  newStreamAssembler: () => new ResponsesStreamAssembler(),
  bodyResponse(body) {
    const answer = answerJson(body);
    return "invalid" in answer ? answer.invalid : recordedResponseOf(answer.json);
  },
};

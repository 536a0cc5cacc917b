// Span → trace mapping, one convention at a time, with the attributes each producer really sets
// (docs/otlp.md lists them). Pure: spans in, validated trace inputs out.
import { describe, expect, it } from "vitest";
import type { Attributes, IncomingSpan } from "@/lib/otlp-ingest/decode";
import { isGeneration, mapSpans } from "@/lib/otlp-ingest/map";
import { LIMITS } from "@/lib/traces/schema";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const START = 1_764_583_200_000n * 1_000_000n; // 2025-12-01T10:00:00Z in ns

function span(spanId: string, name: string, attributes: Attributes, extra: Partial<IncomingSpan> = {}): IncomingSpan {
  return { traceId: TRACE, spanId, name, startNanos: START, endNanos: START + 850_000_000n, attributes, resource: { "service.name": "svc" }, scope: "s", status: { code: 0 }, ...extra };
}

const only = (spans: IncomingSpan[]) => {
  const mapped = mapSpans(spans);
  expect(mapped.rejected).toEqual([]);
  expect(mapped.traces).toHaveLength(1);
  return mapped.traces[0].input;
};

describe("which spans are generations", () => {
  it.each([
    [{ "gen_ai.operation.name": "chat" }, true],
    [{ "gen_ai.operation.name": "text_completion" }, true],
    [{ "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "e" }, false],
    [{ "gen_ai.operation.name": "execute_tool" }, false],
    [{ "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "m" }, false],
    [{ "gen_ai.system": "openai", "gen_ai.request.model": "m" }, true],
    [{ "llm.request.type": "chat" }, true],
    [{ "openinference.span.kind": "LLM" }, true],
    [{ "openinference.span.kind": "CHAIN", "llm.model_name": "m" }, false],
    [{ "ai.operationId": "ai.generateText.doGenerate" }, true],
    [{ "ai.operationId": "ai.streamText.doStream" }, true],
    [{ "ai.operationId": "ai.generateText", "ai.model.id": "m", "gen_ai.request.model": "m" }, false],
    [{ "span.type": "generation" }, true],
    [{ "span.type": "span", "gen_ai.response.id": "gen-1:attempt-0", "gen_ai.request.model": "m" }, false],
    [{ "http.request.method": "POST" }, false],
  ] as [Attributes, boolean][])("%j → %s", (attributes, expected) => {
    expect(isGeneration(attributes)).toBe(expected);
  });
});

describe("conventions", () => {
  it("GenAI semantic conventions: system instructions, tool calls and tool responses as parts, tools, cost, error status", () => {
    const input = only([
      span(
        "00000000000000a1",
        "chat claude",
        {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "anthropic",
          "gen_ai.request.model": "claude-sonnet-4",
          "gen_ai.request.max_tokens": 512,
          "gen_ai.request.stop_sequences": ["END"],
          "gen_ai.usage.input_tokens": 50,
          "gen_ai.usage.output_tokens": 5,
          "gen_ai.usage.reasoning.output_tokens": 2,
          "gen_ai.conversation.id": "conv-1",
          "gen_ai.response.id": "msg_1",
          "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be brief." }]),
          "gen_ai.input.messages": JSON.stringify([
            { role: "user", parts: [{ type: "text", content: "Weather?" }] },
            { role: "assistant", parts: [{ type: "tool_call", id: "t1", name: "weather", arguments: { city: "Oslo" } }] },
            { role: "tool", parts: [{ type: "tool_call_response", id: "t1", response: { temp: 3 } }] },
          ]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "reasoning", content: "cold" }, { type: "text", content: "3 °C." }], finish_reason: "end_turn" }]),
          "gen_ai.tool.definitions": JSON.stringify([{ type: "function", name: "weather", description: "Weather now", parameters: { type: "object" } }]),
          "gen_ai.usage.total_cost": 0.002,
          "error.type": "timeout",
        },
        { status: { code: 2, message: "upstream timed out" } },
      ),
    ]);
    expect(input).toMatchObject({
      model: "claude-sonnet-4",
      provider: "anthropic",
      session_id: "conv-1",
      request: {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather?" },
          { role: "assistant", tool_calls: [{ id: "t1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
          { role: "tool", tool_call_id: "t1", content: '{"temp":3}' },
        ],
        tools: [{ type: "function", function: { name: "weather", description: "Weather now", parameters: { type: "object" } } }],
        parameters: { max_tokens: 512, stop: "END" },
      },
      response: { id: "msg_1", messages: [{ role: "assistant", content: "3 °C.", reasoning: "cold" }] },
      usage: { input_tokens: 50, output_tokens: 5, reasoning_tokens: 2 },
      cost: { total: 0.002 },
      finish_reason: "end_turn",
      status: "error",
      error: { message: "upstream timed out", code: "timeout" },
      timing: { start: new Date("2025-12-01T10:00:00.000Z"), end: new Date("2025-12-01T10:00:00.850Z") },
    });
  });

  it("older GenAI / OpenLLMetry (Traceloop) names: gen_ai.prompt.N.*, gen_ai.completion.N.*, llm.usage.*, traceloop workflow and entity", () => {
    const input = only([
      span("00000000000000b1", "joke_generator.workflow", { "traceloop.span.kind": "workflow", "traceloop.entity.name": "joke_generator", "traceloop.association.properties.user_id": "u-5" }),
      span("00000000000000b2", "create_joke.task", { "traceloop.span.kind": "task", "traceloop.entity.name": "create_joke" }, { parentSpanId: "00000000000000b1" }),
      span(
        "00000000000000b3",
        "openai.chat",
        {
          "llm.request.type": "chat",
          "gen_ai.system": "OpenAI",
          "gen_ai.request.model": "gpt-3.5-turbo",
          "gen_ai.response.model": "gpt-3.5-turbo-0125",
          "gen_ai.prompt.0.role": "system",
          "gen_ai.prompt.0.content": "Be funny.",
          "gen_ai.prompt.1.role": "user",
          "gen_ai.prompt.1.content": "A joke about OTel.",
          "gen_ai.completion.0.role": "assistant",
          "gen_ai.completion.0.content": "Why did the span…",
          "gen_ai.completion.0.finish_reason": "stop",
          "gen_ai.completion.0.tool_calls.0.name": "laugh",
          "gen_ai.completion.0.tool_calls.0.arguments": "{}",
          "gen_ai.usage.prompt_tokens": 15,
          "gen_ai.usage.completion_tokens": 12,
          "llm.usage.total_tokens": 27,
          "gen_ai.usage.cache_read_input_tokens": 4,
          "traceloop.workflow.name": "joke_generator",
          "traceloop.association.properties.session_id": "s-5",
        },
        { parentSpanId: "00000000000000b2" },
      ),
    ]);
    expect(input).toMatchObject({
      model: "gpt-3.5-turbo",
      provider: "OpenAI",
      user: "u-5",
      session_id: "s-5",
      request: { messages: [{ role: "system", content: "Be funny." }, { role: "user", content: "A joke about OTel." }] },
      response: { model: "gpt-3.5-turbo-0125", messages: [{ role: "assistant", content: "Why did the span…", tool_calls: [{ function: { name: "laugh", arguments: "{}" } }] }] },
      usage: { input_tokens: 15, output_tokens: 12, total_tokens: 27, cached_tokens: 4 },
      finish_reason: "stop",
      trace: { trace_id: TRACE, trace_name: "joke_generator", span_name: "create_joke", generation_name: "openai.chat" },
    });
    expect(input.trace).not.toHaveProperty("parent_span_id");
  });

  it("OpenInference: llm.* flattened messages with tool calls, token counts, invocation parameters, metadata JSON, session and user", () => {
    const input = only([
      span("00000000000000c1", "agent", { "openinference.span.kind": "AGENT", "session.id": "oi-session", "metadata": JSON.stringify({ tenant: "acme" }) }),
      span(
        "00000000000000c2",
        "ChatCompletion",
        {
          "openinference.span.kind": "LLM",
          "llm.model_name": "gpt-4o-2024-08-06",
          "llm.provider": "openai",
          "llm.invocation_parameters": JSON.stringify({ temperature: 0.1, model: "gpt-4o" }),
          "llm.input_messages.0.message.role": "user",
          "llm.input_messages.0.message.contents.0.message_content.type": "text",
          "llm.input_messages.0.message.contents.0.message_content.text": "Find flights",
          "llm.output_messages.0.message.role": "assistant",
          "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_9",
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "search",
          "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"q":"LIS"}',
          "llm.token_count.prompt": 30,
          "llm.token_count.completion": 8,
          "llm.token_count.total": 38,
          "llm.token_count.prompt_details.cache_read": 10,
          "llm.cost.total": 0.0004,
          "llm.tools.0.tool.json_schema": JSON.stringify({ type: "function", function: { name: "search", parameters: { type: "object" } } }),
          "user.id": "oi-user",
          "input.value": "ignored: messages win",
        },
        { parentSpanId: "00000000000000c1" },
      ),
    ]);
    expect(input).toMatchObject({
      // The model asked for (invocation parameters); the snapshot that answered is the response's.
      model: "gpt-4o",
      provider: "openai",
      user: "oi-user",
      session_id: "oi-session",
      request: { messages: [{ role: "user", content: "Find flights" }], parameters: { temperature: 0.1 }, tools: [{ function: { name: "search" } }] },
      response: { model: "gpt-4o-2024-08-06", messages: [{ role: "assistant", tool_calls: [{ id: "call_9", function: { name: "search", arguments: '{"q":"LIS"}' } }] }] },
      usage: { input_tokens: 30, output_tokens: 8, total_tokens: 38, cached_tokens: 10 },
      cost: { total: 0.0004 },
      trace: { trace_name: "agent", tenant: "acme" },
    });
    expect(input.request.parameters).not.toHaveProperty("model");
  });

  it("OpenInference without message attributes: input.value / output.value as text", () => {
    const input = only([span("00000000000000c3", "llm", { "openinference.span.kind": "LLM", "llm.model_name": "m", "input.value": "Hi", "output.value": "Hello!" })]);
    expect(input.request.messages).toEqual([{ role: "user", content: "Hi" }]);
    expect(input.response?.messages).toEqual([{ role: "assistant", content: "Hello!" }]);
  });

  it("Vercel AI SDK: the doStream span (not its ai.streamText parent) with ai.prompt.messages, ai.response.*, ai.usage.*, telemetry metadata", () => {
    const mapped = mapSpans([
      span("00000000000000d1", "ai.streamText", { "ai.operationId": "ai.streamText", "ai.model.id": "gpt-4o", "ai.telemetry.functionId": "support-chat", "ai.telemetry.metadata.userId": "v-user", "ai.usage.inputTokens": 99 }),
      span(
        "00000000000000d2",
        "ai.streamText.doStream",
        {
          "ai.operationId": "ai.streamText.doStream",
          "ai.model.id": "gpt-4o",
          "ai.model.provider": "openai.chat",
          "ai.prompt.messages": JSON.stringify([
            { role: "system", content: "Support bot." },
            { role: "user", content: [{ type: "text", text: "Reset my password" }] },
            { role: "assistant", content: [{ type: "tool-call", toolCallId: "tc1", toolName: "lookup", input: { id: 1 } }] },
            { role: "tool", content: [{ type: "tool-result", toolCallId: "tc1", toolName: "lookup", output: { type: "json", value: { ok: true } } }] },
          ]),
          "ai.response.text": "Done.",
          "ai.response.finishReason": "stop",
          "ai.response.msToFirstChunk": 120.5,
          "ai.response.id": "resp-1",
          "ai.usage.inputTokens": 40,
          "ai.usage.outputTokens": 3,
          "ai.telemetry.metadata.sessionId": "v-session",
          "ai.telemetry.metadata.plan": "team",
        },
        { parentSpanId: "00000000000000d1" },
      ),
    ]);
    expect(mapped.ignored).toBe(1);
    expect(mapped.traces).toHaveLength(1);
    expect(mapped.traces[0].input).toMatchObject({
      model: "gpt-4o",
      provider: "openai",
      stream: true,
      user: "v-user",
      session_id: "v-session",
      request: {
        messages: [
          { role: "system", content: "Support bot." },
          { role: "user", content: "Reset my password" },
          { role: "assistant", tool_calls: [{ id: "tc1", function: { name: "lookup", arguments: '{"id":1}' } }] },
          { role: "tool", tool_call_id: "tc1", content: '{"type":"json","value":{"ok":true}}' },
        ],
      },
      response: { id: "resp-1", messages: [{ role: "assistant", content: "Done." }] },
      usage: { input_tokens: 40, output_tokens: 3 },
      timing: { time_to_first_token_ms: 120.5 },
      finish_reason: "stop",
      trace: { trace_name: "support-chat", plan: "team" },
    });
  });

  it("OpenRouter Broadcast: the GENERATION root among its attempt spans, OpenAI-format gen_ai.prompt / gen_ai.completion, OpenRouter's token and cost names", () => {
    const mapped = mapSpans([
      span("00000000000000e1", "LLM Generation", {
        "span.type": "generation",
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openrouter",
        "gen_ai.provider.name": "google",
        "gen_ai.request.model": "google/gemini-2.5-flash",
        "gen_ai.response.id": "gen-1765000000-abc",
        "gen_ai.response.finish_reasons": JSON.stringify(["length"]),
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 100,
        "gen_ai.usage.input_tokens.cached": 6,
        "gen_ai.usage.output_tokens.reasoning": 40,
        "gen_ai.usage.input_cost": 0.0001,
        "gen_ai.usage.output_cost": 0.0002,
        "gen_ai.usage.cost": 0.0003,
        "gen_ai.prompt": JSON.stringify({ messages: [{ role: "user", content: "Write a poem" }] }),
        "gen_ai.completion": JSON.stringify({ completion: "Roses…", reasoning: "A poem needs…" }),
        "trace.input": JSON.stringify({ messages: [{ role: "user", content: "Write a poem" }] }),
        "trace.name": "OpenRouter Request",
        "trace.metadata.environment": "staging",
        "span.metadata.environment": "staging",
        "user.id": "or-user",
        "session.id": "or-session",
      }),
      span("00000000000000e2", "provider attempt 1: Google", { "span.type": "span", "gen_ai.response.id": "gen-1765000000-abc:attempt-0", attempt_index: 0 }, { parentSpanId: "00000000000000e1" }),
    ]);
    expect(mapped.ignored).toBe(1);
    expect(mapped.traces[0].input).toMatchObject({
      model: "google/gemini-2.5-flash",
      provider: "google",
      user: "or-user",
      session_id: "or-session",
      request: { messages: [{ role: "user", content: "Write a poem" }] },
      response: { id: "gen-1765000000-abc", messages: [{ role: "assistant", content: "Roses…", reasoning: "A poem needs…" }] },
      usage: { input_tokens: 12, output_tokens: 100, cached_tokens: 6, reasoning_tokens: 40 },
      cost: { input: 0.0001, output: 0.0002, total: 0.0003 },
      finish_reason: "length",
      trace: { trace_id: TRACE, trace_name: "OpenRouter Request", generation_name: "LLM Generation", environment: "staging" },
    });
  });
});

describe("traces and their spans", () => {
  it("one trace per generation span, sharing the trace id; names from the spans above; no parent id when the tree is whole", () => {
    const mapped = mapSpans([
      span("0000000000000001", "handle /chat", { "http.route": "/chat", "user.id": "root-user" }),
      span("0000000000000002", "agent step", {}, { parentSpanId: "0000000000000001" }),
      span("0000000000000003", "chat a", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "a" }, { parentSpanId: "0000000000000002" }),
      span("0000000000000004", "chat b", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "b", "user.id": "own-user" }, { parentSpanId: "0000000000000001" }),
    ]);
    expect(mapped.ignored).toBe(2);
    expect(mapped.traces.map((t) => t.input)).toMatchObject([
      { id: "0000000000000003", model: "a", user: "root-user", trace: { trace_id: TRACE, trace_name: "handle /chat", span_name: "agent step", generation_name: "chat a" } },
      { id: "0000000000000004", model: "b", user: "own-user", trace: { trace_id: TRACE, trace_name: "handle /chat", generation_name: "chat b" } },
    ]);
    // The HTTP server span's own attributes are not the generation's metadata.
    expect(mapped.traces[0].input.trace).not.toHaveProperty("http.route");
    expect(mapped.traces[1].input.trace).not.toHaveProperty("span_name");
  });

  it("the caller's user agent from the HTTP server span above (user_agent.original); the app from Tracecast's own attributes", () => {
    const mapped = mapSpans([
      span("0000000000000001", "POST /chat", { "http.route": "/chat", "user_agent.original": "Mozilla/5.0 (chat-ui)" }),
      span("0000000000000002", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "tracecast.app.name": "Chat UI", "tracecast.app.url": "https://chat.example/" }, { parentSpanId: "0000000000000001" }),
    ]);
    const [{ input }] = mapped.traces;
    expect(input).toMatchObject({ user_agent: "Mozilla/5.0 (chat-ui)", app: { name: "Chat UI", url: "https://chat.example/" } });
    // Consumed, not repeated as custom metadata.
    expect(Object.keys(input.trace ?? {})).not.toEqual(expect.arrayContaining(["user_agent.original"]));
    expect(only([span("0000000000000003", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "http.user_agent": "curl/8" })]).user_agent).toBe("curl/8");
  });

  it("keeps the parent span id when the tree's top is not in the request (exported in another batch)", () => {
    const input = only([span("0000000000000009", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }, { parentSpanId: "00000000000000ff" })]);
    expect(input.trace).toMatchObject({ parent_span_id: "00000000000000ff", generation_name: "chat" });
    expect(input.trace).not.toHaveProperty("trace_name");
  });

  it("rejects a generation with all-zero ids, with no model, or with a field over its limit, naming why", () => {
    const mapped = mapSpans([
      span("0000000000000000", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }),
      span("0000000000000011", "chat", { "gen_ai.operation.name": "chat" }),
      span("0000000000000012", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "session.id": "s".repeat(500) }),
    ]);
    expect(mapped.traces).toEqual([]);
    expect(mapped.rejected).toEqual([
      { spanId: "0000000000000000", reason: expect.stringMatching(/not all zero/) },
      { spanId: "0000000000000011", reason: expect.stringMatching(/no model attribute/) },
      { spanId: "0000000000000012", reason: expect.stringMatching(/^session_id: /) },
    ]);
  });

  it("takes at most the JSON API's batch of generations per request and rejects the rest, naming the limit", () => {
    const spans = Array.from({ length: LIMITS.tracesPerBatch + 2 }, (_, i) => span((i + 1).toString(16).padStart(16, "0"), "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }));
    const mapped = mapSpans(spans);
    expect(mapped.traces).toHaveLength(LIMITS.tracesPerBatch);
    expect(mapped.rejected).toHaveLength(2);
    expect(mapped.rejected[0].reason).toMatch(/more than 500 LLM spans in one request/);
  });

  it("maps message roles other SDKs use (human, ai, model) and falls back by direction for unknown ones", () => {
    const input = only([
      span("0000000000000041", "chat", {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "m",
        "gen_ai.prompt.0.role": "human",
        "gen_ai.prompt.0.content": "a",
        "gen_ai.prompt.1.role": "model",
        "gen_ai.prompt.1.content": "b",
        "gen_ai.prompt.2.role": "narrator",
        "gen_ai.prompt.2.content": "c",
        "gen_ai.completion.0.role": "ai",
        "gen_ai.completion.0.content": "d",
        "gen_ai.completion.1.role": "narrator",
        "gen_ai.completion.1.content": "e",
      }),
    ]);
    expect(input.request.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(input.response?.messages.map((m) => m.role)).toEqual(["assistant", "assistant"]);
  });

  it("cuts span names longer than the trace schema allows instead of rejecting the span", () => {
    const input = only([span("0000000000000031", "n".repeat(300), { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" })]);
    expect(input.trace?.generation_name).toBe("n".repeat(256));
  });

  it("a parent cycle in a hostile request ends the walk instead of looping", () => {
    const mapped = mapSpans([
      span("0000000000000021", "a", {}, { parentSpanId: "0000000000000022" }),
      span("0000000000000022", "b", {}, { parentSpanId: "0000000000000021" }),
      span("0000000000000023", "chat", { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" }, { parentSpanId: "0000000000000021" }),
    ]);
    expect(mapped.traces).toHaveLength(1);
  });
});

// The capture proxy for OpenAI's Responses API: the official client → /api/v1/responses over real
// HTTP → the local upstream; then the stored trace.
import type { ResponseCreateParamsNonStreaming, ResponseCreateParamsStreaming, ResponseStreamEvent } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { settleProxyTraces } from "@/lib/capture-proxy/trace";
import { DEFAULT_REPLY } from "../receivers/openai-upstream";
import { useProxyFixture } from "../support/direct-routes";

const fx = useProxyFixture("responses", "sk-responses-provider-key-012345");

const WEATHER_TOOL = { type: "function" as const, name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false };

describe("Responses API", () => {
  it("relays a Response unchanged and records instructions, input items, tools, usage and cost", async () => {
    const params = {
      model: "openai/gpt-4.1-mini",
      instructions: "You are a weather assistant.",
      input: [
        { role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "call_1", output: '{"temp":18}' },
      ],
      tools: [WEATHER_TOOL],
      temperature: 0.3,
      max_output_tokens: 200,
      session_id: "resp-session",
      trace: { trace_name: "Responses", team: "weather" },
    } as unknown as ResponseCreateParamsNonStreaming;
    fx.upstream.reply = { ...DEFAULT_REPLY, usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 400 } };

    const response = await fx.client.responses.create(params).asResponse();
    expect(await response.text()).toBe(fx.upstream.sentBodies[0]);
    const [received] = fx.upstream.received;
    expect(received.path).toBe("/v1/responses");
    expect(received.body).not.toHaveProperty("trace");
    expect(received.body).not.toHaveProperty("session_id");
    expect(received.body).toMatchObject({ model: "gpt-4.1-mini", instructions: "You are a weather assistant.", max_output_tokens: 200 });
    expect(received.body).not.toHaveProperty("stream_options");

    const trace = await fx.onlyTrace();
    expect(trace).toMatchObject({
      model: "openai/gpt-4.1-mini",
      provider: "OpenAI",
      stream: false,
      status: "ok",
      finish_reason: "stop",
      session_id: "resp-session",
      metadata: { team: "weather" },
      usage: { input_tokens: 1000, output_tokens: 100, total_tokens: 1100, cached_tokens: 400, reasoning_tokens: 0 },
      response: { id: "resp_1", model: "gpt-4.1-mini-2024-08-06", messages: [{ role: "assistant", content: "Hello from the upstream." }] },
    });
    expect(trace.request.messages).toEqual([
      { role: "system", content: "You are a weather assistant." },
      { role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":18}' },
    ]);
    expect(trace.request.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: WEATHER_TOOL.parameters } }]);
    expect(trace.request.parameters).toEqual({ temperature: 0.3, max_output_tokens: 200 });
    // gpt-4.1-mini: $0.40 / 1M input, $0.10 / 1M cached input, $1.60 / 1M output.
    expect(trace.cost.total).toBeCloseTo((600 * 0.4 + 400 * 0.1 + 100 * 1.6) / 1e6, 12);
  });

  it("relays the event stream byte for byte and records the function calls, usage and time to first token", async () => {
    fx.upstream.reply = {
      content: ["Checking", " both."],
      toolCalls: [
        { id: "call_a", name: "get_weather", argumentParts: ['{"city":', '"Paris"}'] },
        { id: "call_b", name: "get_weather", argumentParts: ['{"city":"Lyon"}'] },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 20, reasoning_tokens: 8 },
      firstChunkDelayMs: 50,
    };
    const params = { model: "openai/gpt-4o", input: "Weather in Paris and Lyon?", tools: [WEATHER_TOOL], stream: true } as ResponseCreateParamsStreaming;

    const raw = await fx.client.responses.create(params).asResponse();
    expect(await raw.text()).toBe(fx.upstream.sentEvents[0].join(""));
    await settleProxyTraces();
    await prisma.tracePayload.deleteMany({});

    const events: ResponseStreamEvent[] = [];
    for await (const event of await fx.client.responses.create(params)) events.push(event);
    expect(events.map((e) => e.type)).toEqual(fx.upstream.sentEvents[1].map((e) => (JSON.parse(e.split("\ndata: ")[1]) as { type: string }).type));

    const trace = await fx.onlyTrace();
    expect(trace).toMatchObject({
      stream: true,
      status: "ok",
      finish_reason: "tool_calls",
      usage: { input_tokens: 50, output_tokens: 20, total_tokens: 70, reasoning_tokens: 8 },
      request: { messages: [{ role: "user", content: "Weather in Paris and Lyon?" }] },
      response: {
        id: "resp_2",
        messages: [
          {
            role: "assistant",
            content: "Checking both.",
            tool_calls: [
              { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } },
            ],
          },
        ],
      },
    });
    expect(trace.timing.time_to_first_token_ms).toBeGreaterThanOrEqual(45);
  });

  it("records what arrived when the stream breaks off before its terminal event", async () => {
    fx.upstream.reply = { content: Array.from({ length: 40 }, (_, i) => `w${i} `), chunkDelayMs: 30 };
    const controller = new AbortController();
    const stream = await fx.client.responses.create({ model: "openai/gpt-4o", input: "Long answer", stream: true }, { signal: controller.signal });
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta" && ++deltas === 3) break;
    }
    controller.abort();
    await expect.poll(() => fx.upstream.abortedRequests, { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    const trace = await fx.onlyTrace();
    expect(trace.status).toBe("error");
    expect(trace.response.id).toBe("resp_1");
    expect(String(trace.response.messages[0]?.content)).toMatch(/^w0 w1 w2 /);
  });
});

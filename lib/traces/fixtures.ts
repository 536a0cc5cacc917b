// Canned traces: what "Test connection" and "Send test trace" send, and the base of tests.
import type { OutboundTrace } from "@/lib/destinations/types";
import type { Trace } from "@/lib/traces/schema";

/** A complete, realistic chat generation with a tool call, usage, cost and custom metadata. */
export function sampleTrace(overrides: Partial<Trace> = {}): Trace {
  const start = new Date("2026-11-26T12:00:00.000Z");
  const end = new Date(start.getTime() + 1530);
  return {
    id: "gen-1732622400-abc123",
    model: "openai/gpt-4o-mini",
    provider: "openai",
    request: {
      messages: [
        { role: "system", content: "You are a helpful weather assistant." },
        { role: "user", content: "What's the weather in Paris?" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather for a city",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      ],
      parameters: { temperature: 0.2, max_tokens: 256 },
    },
    response: {
      id: "chatcmpl-123",
      model: "gpt-4o-mini-2024-07-18",
      messages: [
        {
          role: "assistant",
          content: "It is 18 °C and sunny in Paris.",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
      ],
    },
    usage: { input_tokens: 42, output_tokens: 17, total_tokens: 59, cached_tokens: 8, reasoning_tokens: 0 },
    cost: { input: 0.0000063, output: 0.0000102, total: 0.0000165 },
    timing: { start: start.toISOString(), end: end.toISOString(), duration_ms: 1530, time_to_first_token_ms: 310 },
    finish_reason: "stop",
    stream: true,
    status: "ok",
    error: null,
    user: "user_42",
    session_id: "session-7f3a",
    trace: {
      trace_id: "trace-weather-001",
      trace_name: "Weather question",
      span_name: "Answer",
      generation_name: "Weather LLM call",
      parent_span_id: null,
    },
    metadata: { environment: "production", release: "2026.11.1", feature: "weather" },
    api_key_name: "Production",
    received_at: end.toISOString(),
    is_test: false,
    ...overrides,
  };
}

/** The synthetic trace "Test connection" sends: schema-correct and marked as a test. */
export function connectionTestTrace(now = new Date()): Trace {
  const start = new Date(now.getTime() - 800);
  return sampleTrace({
    id: `tracecast-test-${now.getTime()}`,
    timing: { start: start.toISOString(), end: now.toISOString(), duration_ms: 800, time_to_first_token_ms: 200 },
    received_at: now.toISOString(),
    trace: { trace_id: null, trace_name: "Tracecast connection test", span_name: null, generation_name: "Test Generation", parent_span_id: null },
    metadata: { "tracecast.test": true },
    is_test: true,
  });
}

export function outbound(trace: Trace, samplingRate = 1, deliveryId = `dlv-${trace.id}`): OutboundTrace {
  return { ...trace, sampling_rate: samplingRate, delivery_id: deliveryId };
}

import { describe, expect, it } from "vitest";
import { DeliveryError } from "@/lib/outbound/errors";
import {
  encodeOtlpJson,
  encodeOtlpProtobuf,
  otlpRequests,
  spanIdsOf,
  StatusCode,
  tracesToOtlp,
  type OtlpProfile,
} from "@/lib/destinations/otlp";
import type { OutboundTrace } from "@/lib/destinations/types";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";
import { decodedSpans, decodeOtlp, type DecodedSpan } from "../../receivers/otlp";
import { gunzipSync } from "node:zlib";

/** Spans as the test receiver decodes them, through the protobuf (default) or JSON wire format. */
function decoded(traces: OutboundTrace[], encoding: "json" | "protobuf" = "protobuf", profile?: OtlpProfile): DecodedSpan[] {
  const request = tracesToOtlp(traces, profile);
  const body = encoding === "json" ? Buffer.from(encodeOtlpJson(request)) : Buffer.from(encodeOtlpProtobuf(request));
  return decodedSpans(decodeOtlp(body, encoding));
}

const withTrace = (trace: Partial<Trace["trace"]>, overrides: Partial<Trace> = {}) =>
  outbound(sampleTrace({ ...overrides, trace: { ...sampleTrace().trace, ...trace } }));
const generationOf = (spans: DecodedSpan[]) => spans.find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;

describe("span tree", () => {
  it("builds trace → span → generation from the trace object, each named as asked", () => {
    const spans = decoded([withTrace({})]);
    expect(spans.map((s) => s.name)).toEqual(["Weather question", "Answer", "Weather LLM call"]);
    const [root, span, generation] = spans;
    expect(root.parentSpanId).toBeUndefined();
    expect(span.parentSpanId).toBe(root.spanId);
    expect(generation.parentSpanId).toBe(span.spanId);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(generation.kind).toBe(3); // CLIENT, per the GenAI conventions for inference spans
    expect(root.kind).toBe(1);
  });

  it("without span_name the generation hangs off the root; without names the root is the model, the generation `chat {model}`", () => {
    const spans = decoded([withTrace({ span_name: null, trace_name: null, generation_name: null })]);
    // The GenAI conventions name an inference span `{gen_ai.operation.name} {gen_ai.request.model}`.
    expect(spans.map((s) => s.name)).toEqual(["openai/gpt-4o-mini", "chat openai/gpt-4o-mini"]);
    expect(spans[1].attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "openai/gpt-4o-mini" });
    expect(spans[1].parentSpanId).toBe(spans[0].spanId);
  });

  it("a 16-hex parent_span_id joins the caller's trace: no root of ours, the top span is its child", () => {
    const spans = decoded([withTrace({ trace_id: "4BF92F3577B34DA6A3CE929D0E0E4736", parent_span_id: "00F067AA0BA902B7" })]);
    expect(spans.map((s) => s.name)).toEqual(["Answer", "Weather LLM call"]);
    expect(spans[0].parentSpanId).toBe("00f067aa0ba902b7");
    // A caller trace id that already is a W3C trace id is kept, so the parent is found in it.
    expect(spans[0].traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(generationOf(spans).attributes["trace.name"]).toBe("Weather question");
  });

  it("a parent_span_id that is not a span id is kept as an attribute, not sent as a parent", () => {
    const spans = decoded([withTrace({ parent_span_id: "step-3" })]);
    expect(spans[0].parentSpanId).toBeUndefined();
    expect(spans[0].name).toBe("Weather question");
    for (const s of spans) expect(s.attributes["trace.metadata.parent_span_id"]).toBe("step-3");
  });
});

describe("deterministic ids", () => {
  it("derive the trace id from sha256(trace_id ?? generation id) and the generation span id from sha256(generation id)", () => {
    const ids = spanIdsOf(sampleTrace());
    // sha256("trace-weather-001")[:32] and sha256("gen-1732622400-abc123")[:16], computed with Python's hashlib.
    expect(ids.traceId).toBe("edb2613ac8d932a5bf7c9f1510a763f5");
    expect(ids.generationSpanId).toBe("1d23486efc239f65");
    expect(new Set([ids.rootSpanId, ids.spanSpanId, ids.generationSpanId]).size).toBe(3);
  });

  it("repeated deliveries of a trace produce identical ids; generations sharing a trace_id merge into one trace", () => {
    const first = decoded([withTrace({})]);
    const again = decoded([withTrace({})]);
    expect(again.map((s) => [s.traceId, s.spanId, s.parentSpanId])).toEqual(first.map((s) => [s.traceId, s.spanId, s.parentSpanId]));
    const sibling = decoded([outbound(sampleTrace({ id: "gen-second" }))]);
    expect(sibling[0].traceId).toBe(first[0].traceId);
    expect(sibling[0].spanId).toBe(first[0].spanId); // same root
    expect(generationOf(sibling).spanId).not.toBe(generationOf(first).spanId);
    const alone = decoded([withTrace({ trace_id: null }, { id: "gen-alone" })]);
    expect(alone[0].traceId).not.toBe(first[0].traceId);
  });
});

describe("the caller's ids", () => {
  it("keep a 16-byte trace id (any case, or as a UUID) and derive one, stably, from anything else", () => {
    const traceIdOf = (trace_id: string) => decoded([withTrace({ trace_id })])[0].traceId;
    expect(traceIdOf("4BF92F3577B34DA6A3CE929D0E0E4736")).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(traceIdOf("0191c0de-7f3a-7b2c-9d4e-5f6a7b8c9d0e")).toBe("0191c0de7f3a7b2c9d4e5f6a7b8c9d0e");
    // All zero is OTLP's "invalid trace id"; 31 hex is not 16 bytes: both are derived, the same way each time.
    for (const unusable of ["00000000000000000000000000000000", "4bf92f3577b34da6a3ce929d0e0e473", "trace_4bf92f3577b34da6a3ce929d0e0e4736"]) {
      expect(traceIdOf(unusable)).toBe(spanIdsOf(sampleTrace({ trace: { ...sampleTrace().trace, trace_id: unusable } })).traceId);
      expect(traceIdOf(unusable)).toMatch(/^[0-9a-f]{32}$/);
      expect(traceIdOf(unusable)).toBe(traceIdOf(unusable));
      expect(traceIdOf(unusable)).not.toBe(unusable.toLowerCase());
    }
  });

  it("keep a generation id that is an 8-byte span id as the generation's span id, and derive one, stably, otherwise", () => {
    const generationSpanIdOf = (id: string, parent_span_id: string | null = null) => generationOf(decoded([withTrace({ parent_span_id }, { id })])).spanId;
    expect(generationSpanIdOf("00F067AA0BA902B7")).toBe("00f067aa0ba902b7");
    for (const unusable of ["0000000000000000", "gen-1732622400-abc123", "00f067aa0ba902b"]) {
      expect(generationSpanIdOf(unusable)).toMatch(/^[0-9a-f]{16}$/);
      expect(generationSpanIdOf(unusable)).not.toBe(unusable);
      expect(generationSpanIdOf(unusable)).toBe(generationSpanIdOf(unusable));
    }
    // The caller's parent keeps its place; a generation id equal to it cannot be the generation's own id.
    const spans = decoded([withTrace({ span_name: null, parent_span_id: "00f067aa0ba902b7" }, { id: "00f067aa0ba902b7" })]);
    expect(spans).toHaveLength(1);
    expect(spans[0].parentSpanId).toBe("00f067aa0ba902b7");
    expect(spans[0].spanId).not.toBe("00f067aa0ba902b7");
  });

  it("keep a valid parent span id (any case) as the top span's parent", () => {
    const [top] = decoded([withTrace({ parent_span_id: "ABCDEF0123456789" })]);
    expect(top.parentSpanId).toBe("abcdef0123456789");
    expect(decoded([withTrace({ parent_span_id: "0000000000000000" })])[0].parentSpanId).toBeUndefined();
  });
});

describe("timestamps", () => {
  it("are exact nanoseconds (beyond 2^53) in JSON and protobuf", () => {
    const trace = outbound(
      sampleTrace({ timing: { start: "2026-11-26T12:00:00.123Z", end: "2026-11-26T12:00:01.999Z", duration_ms: 1876, time_to_first_token_ms: 250 } }),
    );
    for (const encoding of ["json", "protobuf"] as const) {
      const [root] = decoded([trace], encoding);
      expect(root.startTimeUnixNano).toBe("1795694400123000000");
      expect(root.endTimeUnixNano).toBe("1795694401999000000");
    }
    const json = JSON.parse(encodeOtlpJson(tracesToOtlp([trace])));
    expect(json.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano).toBe("1795694400123000000");
  });
});

describe("OTLP/JSON and OTLP/protobuf", () => {
  it("decode to the same spans", () => {
    const traces = [withTrace({}), outbound(sampleTrace({ id: "gen-err", status: "error", error: { message: "upstream 500", code: "provider_error" } }))];
    expect(decoded(traces, "json")).toEqual(decoded(traces, "protobuf"));
  });

  it("JSON uses hex ids, int64 as strings and integer enums (not canonical proto3 JSON)", () => {
    const json = JSON.parse(encodeOtlpJson(tracesToOtlp([withTrace({})])));
    const generation = json.resourceSpans[0].scopeSpans[0].spans[2];
    expect(generation.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(generation.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(generation.kind).toBe(3);
    const tokens = generation.attributes.find((a: { key: string }) => a.key === "gen_ai.usage.input_tokens");
    expect(tokens.value).toEqual({ intValue: "42" });
    expect(json.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: "tracecast", version: expect.any(String) });
  });
});

describe("GenAI semantic-convention attributes", () => {
  const generation = generationOf(decoded([withTrace({}, { metadata: { environment: "production", attempt: 2, beta: true, tags: ["a", "b"], nested: { x: 1 } } })]));

  it("describe the model call, usage and cost with their OTLP types", () => {
    expect(generation.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "openai/gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.response.id": "chatcmpl-123",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 42,
      "gen_ai.usage.output_tokens": 17,
      "gen_ai.usage.cache_read.input_tokens": 8,
      "gen_ai.usage.reasoning.output_tokens": 0,
      "gen_ai.usage.input_cost": 0.0000063,
      "gen_ai.usage.total_cost": 0.0000165,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.max_tokens": 256,
      "user.id": "user_42",
      "session.id": "session-7f3a",
      "gen_ai.conversation.id": "session-7f3a",
      "sampling.rate": 1,
      "tracecast.generation.id": "gen-1732622400-abc123",
    });
  });

  it("carries the conversation in the semconv message schema (parts, tool calls with parsed arguments, finish reason)", () => {
    const input = JSON.parse(generation.attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual([
      { role: "system", parts: [{ type: "text", content: "You are a helpful weather assistant." }] },
      { role: "user", parts: [{ type: "text", content: "What's the weather in Paris?" }] },
    ]);
    const output = JSON.parse(generation.attributes["gen_ai.output.messages"] as string);
    expect(output).toEqual([
      {
        role: "assistant",
        finish_reason: "stop",
        parts: [
          { type: "text", content: "It is 18 °C and sunny in Paris." },
          { type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } },
        ],
      },
    ]);
    expect(JSON.parse(generation.attributes["gen_ai.tool.definitions"] as string)[0].function.name).toBe("get_weather");
  });

  it("maps a tool round-trip and content parts to semconv parts", () => {
    const trace = outbound(
      sampleTrace({
        request: {
          ...sampleTrace().request,
          messages: [
            { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "text", text: "[image omitted]" }] },
            { role: "assistant", content: null, tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: "not json" } }] },
            { role: "tool", tool_call_id: "call_9", content: "rainy, 57°F" },
          ],
        },
      }),
    );
    const input = JSON.parse(generationOf(decoded([trace])).attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual([
      { role: "user", parts: [{ type: "text", content: "Weather?" }, { type: "text", content: "[image omitted]" }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "call_9", name: "get_weather", arguments: "not json" }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_9", response: "rainy, 57°F" }] },
    ]);
  });

  it("puts custom metadata under trace.metadata.<key>, keeping primitive types", () => {
    expect(generation.attributes).toMatchObject({
      "trace.metadata.environment": "production",
      "trace.metadata.attempt": 2,
      "trace.metadata.beta": true,
      "trace.metadata.tags": ["a", "b"],
      "trace.metadata.nested": '{"x":1}',
    });
  });

  it("marks an error trace ERROR with its message and error.type", () => {
    const spans = decoded([outbound(sampleTrace({ status: "error", error: { message: "upstream 500", code: "provider_error" } }))]);
    for (const s of spans) expect(s.status).toEqual({ code: StatusCode.ERROR, message: "upstream 500" });
    expect(generationOf(spans).attributes["error.type"]).toBe("provider_error");
  });

  it("marks test traces", () => {
    const spans = decoded([outbound(sampleTrace({ is_test: true }))]);
    for (const s of spans) expect(s.attributes["tracecast.test"]).toBe(true);
    expect(decoded([withTrace({})])[2].attributes["tracecast.test"]).toBeUndefined();
  });
});

describe("privacy mode", () => {
  it("sends no content but keeps tokens, cost, timing and identity", () => {
    const trace = outbound(applyPrivacy(sampleTrace()));
    const generation = generationOf(decoded([trace]));
    expect(generation.attributes["gen_ai.input.messages"]).toBeUndefined();
    const output = generation.attributes["gen_ai.output.messages"];
    // Only the shape survives: the tool call's name, no text and no arguments.
    expect(JSON.parse(output as string)).toEqual([{ role: "assistant", finish_reason: "stop", parts: [{ type: "tool_call", id: "call_1", name: "get_weather" }] }]);
    expect(JSON.stringify(generation.attributes)).not.toMatch(/Paris|weather assistant/);
    expect(generation.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 42,
      "gen_ai.usage.output_tokens": 17,
      "gen_ai.usage.total_cost": 0.0000165,
      "user.id": "user_42",
    });
    expect(generation.endTimeUnixNano).toBe("1795694401530000000");
  });
});

describe("batching and size limits", () => {
  const traces = Array.from({ length: 40 }, (_, i) => outbound(sampleTrace({ id: `gen-${i}` })));

  it("puts many traces in one request", () => {
    const [request] = otlpRequests(traces, { url: "http://collector/v1/traces", encoding: "protobuf", headers: {}, serviceName: undefined });
    expect(request.traceCount).toBe(40);
    expect(decodeOtlp(Buffer.from(request.body as Uint8Array), "protobuf")).toMatchObject({ resourceSpans: [{ scopeSpans: [{ spans: expect.any(Array) }] }] });
  });

  it("splits by encoded size so every request fits, in order, without losing a trace", () => {
    const oneTrace = encodeOtlpProtobuf(tracesToOtlp([traces[0]])).byteLength;
    const maxBytes = oneTrace * 5;
    const requests = otlpRequests(traces, { url: "http://collector/v1/traces", encoding: "protobuf", gzip: true, limits: { maxBytes }, headers: {}, serviceName: undefined });
    expect(requests.length).toBeGreaterThan(7);
    const ids: unknown[] = [];
    for (const r of requests) {
      const raw = gunzipSync(r.body as Uint8Array);
      expect(raw.byteLength).toBeLessThanOrEqual(maxBytes);
      expect(r.headers["content-encoding"]).toBe("gzip");
      const spans = decodedSpans(decodeOtlp(raw, "protobuf"));
      expect(spans.length).toBe(r.traceCount * 3);
      ids.push(...spans.map((s) => s.attributes["tracecast.generation.id"]).filter(Boolean));
    }
    expect(ids).toEqual(traces.map((t) => t.id));
  });

  it("refuses a single trace larger than the limit as a permanent encode error", () => {
    let error: unknown;
    try {
      otlpRequests([traces[1], traces[0]], { url: "http://collector/v1/traces", encoding: "json", limits: { maxBytes: 100 }, headers: {}, serviceName: undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: "encode", retryable: false });
  });
});

describe("the test receiver", () => {
  it("rejects canonical proto3 JSON (base64 ids) and malformed protobuf like a collector", () => {
    const json = JSON.parse(encodeOtlpJson(tracesToOtlp([withTrace({})])));
    json.resourceSpans[0].scopeSpans[0].spans[0].traceId = Buffer.from(json.resourceSpans[0].scopeSpans[0].spans[0].traceId, "hex").toString("base64");
    expect(() => decodeOtlp(Buffer.from(JSON.stringify(json)), "json")).toThrow(/traceId must be hex/);
    expect(() => decodeOtlp(Buffer.from([0x0a, 0xff, 0xff, 0xff]), "protobuf")).toThrow(/invalid protobuf/);
  });
});

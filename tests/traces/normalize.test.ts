import { describe, expect, it } from "vitest";
import { applyPrivacy, normalizeTrace, PRIVACY_REDACTED, sessionIdHeader } from "@/lib/traces/normalize";
import { sampleTrace } from "@/lib/traces/fixtures";
import { ingestBody, traceInput, type TraceInput } from "@/lib/traces/schema";

const receivedAt = new Date("2026-11-26T12:00:05.000Z");
const ctx = { apiKeyName: "Production", receivedAt };

function input(overrides: Partial<TraceInput> = {}): TraceInput {
  return {
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: "Hi" }] },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:01.250Z" },
    ...overrides,
  };
}

const normalize = (i: TraceInput, c: Partial<Parameters<typeof normalizeTrace>[1]> = {}) =>
  normalizeTrace(traceInput.parse(i), { ...ctx, ...c });

describe("normalizeTrace", () => {
  it("fills every field of a minimal trace with its documented default", () => {
    const t = normalize(input(), { newId: () => "gen-fixed" });
    expect(t).toEqual({
      id: "gen-fixed",
      model: "openai/gpt-4o-mini",
      provider: null,
      request: { messages: [{ role: "user", content: "Hi" }], tools: [], parameters: {} },
      response: { id: null, model: null, messages: [] },
      usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, cached_tokens: null, reasoning_tokens: null },
      cost: { input: null, output: null, total: null },
      timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:01.250Z", duration_ms: 1250, time_to_first_token_ms: null },
      finish_reason: null,
      stream: false,
      status: "ok",
      error: null,
      user: null,
      session_id: null,
      trace: { trace_id: null, trace_name: null, span_name: null, generation_name: null, parent_span_id: null },
      metadata: {},
      api_key_name: "Production",
      app: { name: null, url: null },
      user_agent: null,
      source: "api",
      upstream: null,
      received_at: receivedAt.toISOString(),
      is_test: false,
    });
  });

  it("generates gen-<uuid> ids, distinct per trace, and keeps the caller's id", () => {
    const a = normalize(input()).id;
    const b = normalize(input()).id;
    expect(a).toMatch(/^gen-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(normalize(input({ id: "my-gen-1" })).id).toBe("my-gen-1");
  });

  it("maps OpenAI usage names to input/output and derives the total", () => {
    expect(normalize(input({ usage: { prompt_tokens: 10, completion_tokens: 4 } })).usage).toEqual({
      input_tokens: 10, output_tokens: 4, total_tokens: 14, cached_tokens: null, reasoning_tokens: null,
    });
    // Canonical names win over aliases; an explicit total is kept as sent.
    expect(
      normalize(input({ usage: { input_tokens: 7, prompt_tokens: 99, output_tokens: 3, completion_tokens: 99, total_tokens: 12, cached_tokens: 2, reasoning_tokens: 1 } })).usage,
    ).toEqual({ input_tokens: 7, output_tokens: 3, total_tokens: 12, cached_tokens: 2, reasoning_tokens: 1 });
  });

  it("derives the cost total only when both parts are known, without float noise", () => {
    expect(normalize(input({ cost: { input: 0.1, output: 0.2 } })).cost).toEqual({ input: 0.1, output: 0.2, total: 0.3 });
    expect(normalize(input({ cost: { input: 0.1, output: 0.2, total: 0.5 } })).cost.total).toBe(0.5);
    expect(normalize(input({ cost: { input: 0.1 } })).cost).toEqual({ input: 0.1, output: null, total: null });
    expect(normalize(input({ cost: { total: 0.02 } })).cost).toEqual({ input: null, output: null, total: 0.02 });
  });

  it("accepts epoch milliseconds and offsets, and stores ISO UTC with the duration", () => {
    const t = normalize(input({ timing: { start: Date.UTC(2026, 10, 26, 12), end: "2026-11-26T13:00:02.5+01:00", time_to_first_token_ms: 120 } }));
    expect(t.timing).toEqual({ start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:02.500Z", duration_ms: 2500, time_to_first_token_ms: 120 });
  });

  it("takes session_id from the body first, then from the x-session-id header", () => {
    expect(normalize(input({ session_id: "body" }), { headerSessionId: "header" }).session_id).toBe("body");
    expect(normalize(input(), { headerSessionId: "header" }).session_id).toBe("header");
    expect(normalize(input()).session_id).toBeNull();
  });

  it("splits the trace object into known keys and custom metadata", () => {
    const t = normalize(input({ trace: { trace_id: "t1", trace_name: "Chat", generation_name: "Gen", span_name: "S", parent_span_id: "abcdef0123456789", environment: "prod", nested: { a: [1, 2] } } }));
    expect(t.trace).toEqual({ trace_id: "t1", trace_name: "Chat", span_name: "S", generation_name: "Gen", parent_span_id: "abcdef0123456789" });
    expect(t.metadata).toEqual({ environment: "prod", nested: { a: [1, 2] } });
  });

  it("derives status from a reported error unless given, and copies the rest", () => {
    const failed = normalize(input({ error: { message: "upstream timeout", status: 504 }, finish_reason: "error", stream: true, user: "u1", provider: "openai" }));
    expect(failed).toMatchObject({ status: "error", error: { message: "upstream timeout", status: 504 }, finish_reason: "error", stream: true, user: "u1", provider: "openai" });
    expect(normalize(input({ error: { message: "partial" }, status: "ok" })).status).toBe("ok");
  });

  it("marks test traces and records the API key name", () => {
    expect(normalize(input(), { isTest: true, apiKeyName: null })).toMatchObject({ is_test: true, api_key_name: null });
  });

  it("keeps request tools, tool_choice, parameters and the response", () => {
    const t = normalize(input({
      request: {
        messages: [{ role: "user", content: "Weather?" }],
        tools: [{ function: { name: "get_weather", parameters: { type: "object" } } }],
        tool_choice: "auto",
        parameters: { temperature: 0.2 },
      },
      response: { id: "r1", model: "gpt-4o-mini-2024", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }] },
    }));
    expect(t.request.tools).toEqual([{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }]);
    expect(t.request.tool_choice).toBe("auto");
    expect(t.request.parameters).toEqual({ temperature: 0.2 });
    expect(t.response).toEqual({ id: "r1", model: "gpt-4o-mini-2024", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }] });
  });

  describe("multimodal stripping", () => {
    it("replaces non-text parts with placeholders, keeping text parts and their order", () => {
      const t = normalize(input({
        request: {
          messages: [
            { role: "user", content: [
              { type: "text", text: "What is in these?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "input_audio", input_audio: { data: "UklGR", format: "wav" } },
              { type: "file", file: { file_data: "JVBERi0", filename: "a.pdf" } },
              { type: "video_url", video_url: { url: "https://x/v.mp4" } },
              { type: "hologram", data: "…" },
              { type: "text", text: "Thanks", cache_control: { type: "ephemeral" } },
            ] },
          ],
        },
      }));
      expect(t.request.messages[0].content).toEqual([
        { type: "text", text: "What is in these?" },
        { type: "text", text: "[image omitted]" },
        { type: "text", text: "[audio omitted]" },
        { type: "text", text: "[file omitted]" },
        { type: "text", text: "[video omitted]" },
        { type: "text", text: "[hologram omitted]" },
        { type: "text", text: "Thanks", cache_control: { type: "ephemeral" } },
      ]);
    });

    it("strips media embedded in provider-specific message keys of the response", () => {
      const blob = "A".repeat(5000);
      const t = normalize(input({
        response: { messages: [{
          role: "assistant",
          content: [{ type: "refusal", refusal: "No." }],
          images: [{ type: "image_url", image_url: { url: "data:image/webp;base64,UklGR" } }],
          audio: { id: "a1", data: blob, transcript: "hello" },
        }] },
      }));
      expect(t.response.messages[0]).toEqual({
        role: "assistant",
        content: [{ type: "refusal", refusal: "No." }],
        images: [{ type: "image_url", image_url: { url: "[image omitted]" } }],
        audio: { id: "a1", data: "[binary data omitted]", transcript: "hello" },
      });
    });

    it("leaves string content and short strings untouched", () => {
      const t = normalize(input({ request: { messages: [{ role: "user", content: "data:image/png;base64,abc is text here" }, { role: "assistant", content: "ok", annotations: ["short"] }] } }));
      expect(t.request.messages).toEqual([{ role: "user", content: "data:image/png;base64,abc is text here" }, { role: "assistant", content: "ok", annotations: ["short"] }]);
    });
  });
});

describe("sessionIdHeader", () => {
  it("accepts up to 128 characters, treats blank as absent and rejects longer", () => {
    expect(sessionIdHeader.parse(undefined)).toBeUndefined();
    expect(sessionIdHeader.parse("  ")).toBeUndefined();
    expect(sessionIdHeader.parse(" s1 ")).toBe("s1");
    expect(sessionIdHeader.parse("x".repeat(128))).toHaveLength(128);
    expect(sessionIdHeader.safeParse("x".repeat(129)).success).toBe(false);
  });
});

describe("ingestBody", () => {
  it("outputs a list for a single trace and for a batch", () => {
    expect(ingestBody.parse(input())).toHaveLength(1);
    expect(ingestBody.parse({ traces: [input(), input()] })).toHaveLength(2);
  });

  it("names the failing field of a batch item and of a single trace", () => {
    const batch = ingestBody.safeParse({ traces: [input(), input(), input(), { ...input(), model: "" }] });
    expect(batch.success).toBe(false);
    expect(batch.error!.issues.map((i) => i.path.join("."))).toEqual(["traces.3.model"]);
    const single = ingestBody.safeParse({ ...input(), timing: { start: "2026-11-26T12:00:01Z", end: "2026-11-26T12:00:00Z" } });
    expect(single.error!.issues.map((i) => i.path.join("."))).toEqual(["timing.end"]);
    const unknownKey = ingestBody.safeParse({ ...input(), colour: "red" });
    expect(unknownKey.error!.issues[0].message).toMatch(/colour/);
  });

  it("rejects an empty batch, a non-object and an oversized batch", () => {
    expect(ingestBody.safeParse({ traces: [] }).error!.issues[0].path).toEqual(["traces"]);
    expect(ingestBody.safeParse([input()]).success).toBe(false);
    expect(ingestBody.safeParse({ traces: Array.from({ length: 501 }, () => input()) }).error!.issues[0].path).toEqual(["traces"]);
  });
});

describe("applyPrivacy", () => {
  const trace = sampleTrace({
    request: {
      ...sampleTrace().request,
      messages: [
        { role: "system", content: "secret system prompt" },
        { role: "user", name: "alice", content: [{ type: "text", text: "my password is hunter2" }] },
        { role: "assistant", content: null, reasoning: "thinking about it", tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"hunter2"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "result with secrets" },
      ],
      tool_choice: { type: "function", function: { name: "lookup" } },
    },
    response: {
      id: "r1",
      model: "m",
      messages: [{ role: "assistant", content: "the answer", reasoning: "chain of thought", audio: { transcript: "spoken answer" } }],
    },
    error: { message: "Invalid JSON in arguments: {\"q\":\"hunter2\"", code: "bad_request", status: 400 },
    status: "error",
  });
  const privateTrace = applyPrivacy(trace);
  const serialized = JSON.stringify(privateTrace);

  it("leaves no prompt, completion, reasoning, tool argument or error text", () => {
    for (const secret of ["secret system prompt", "hunter2", "thinking about it", "result with secrets", "the answer", "chain of thought", "spoken answer", "Current weather for a city", "Invalid JSON"]) {
      expect(serialized).not.toContain(secret);
    }
    expect(privateTrace.error).toEqual({ message: PRIVACY_REDACTED, code: "bad_request", status: 400 });
  });

  it("keeps the conversation's shape: roles, names, tool names and call ids", () => {
    expect(privateTrace.request.messages).toEqual([
      { role: "system", content: null },
      { role: "user", name: "alice", content: null },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup" } }] },
      { role: "tool", tool_call_id: "c1", content: null },
    ]);
    expect(privateTrace.response).toEqual({ id: "r1", model: "m", messages: [{ role: "assistant", content: null }] });
    expect(privateTrace.request.tools).toEqual([{ type: "function", function: { name: "get_weather" } }]);
    expect(privateTrace.request.tool_choice).toEqual({ type: "function", function: { name: "lookup" } });
  });

  it("keeps usage, cost, timing, model, identity, names and metadata unchanged", () => {
    const { request, response, error, ...rest } = privateTrace;
    const { request: _r, response: _s, error: _e, ...original } = trace;
    expect(rest).toEqual(original);
    expect(request.parameters).toEqual(trace.request.parameters);
    expect(error?.code).toBe("bad_request");
  });

  it("does not modify its input and is idempotent", () => {
    expect(trace.request.messages[0].content).toBe("secret system prompt");
    expect(applyPrivacy(privateTrace)).toEqual(privateTrace);
    expect(applyPrivacy(sampleTrace({ error: null })).error).toBeNull();
  });
});

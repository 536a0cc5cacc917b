// Keywords AI's request log for one trace, field by field. Its npm package, @keywordsai/keywordsai-sdk
// (pinned), sends no request logs: it is a typing package whose zod schemas describe the log's fields
// (its one sender, a Vercel AI SDK span exporter, posts to another endpoint). So the body Tracecast sends
// is checked against those schemas, strictly (no field the SDK does not know, every type as it types
// it), and against a golden written from the request-logging docs.
import { BasicLLMParamsSchema, KeywordsAIParamsSchema } from "@keywordsai/keywordsai-sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverBatch } from "@/lib/destinations/http";
import keywordsai, { keywordsAiLog } from "@/lib/destinations/keywordsai";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { startRecorder, type RecordedRequest, type Recorder } from "../receivers/recorder";

const API_KEY = "kw-0123456789abcdef.0123456789";
const trace = outbound(sampleTrace(), 0.5, "dlv-keywordsai");
/** Every field the SDK types for a log, and nothing else. */
const SDK_LOG = KeywordsAIParamsSchema.merge(BasicLLMParamsSchema).strict();

let recorder: Recorder;
beforeAll(async () => {
  recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
});
afterAll(() => recorder.close());
beforeEach(() => {
  recorder.requests.length = 0;
});

async function recordOurRequest(traces = [trace]): Promise<RecordedRequest> {
  await deliverBatch(keywordsai, traces, keywordsai.config.parse({ apiKey: API_KEY, baseUrl: recorder.url }));
  expect(recorder.requests).toHaveLength(1);
  return recorder.requests.splice(0)[0];
}

describe("Keywords AI", () => {
  it("sends the documented log: POST /request-logs/ with the Bearer key, every field as the docs name it", async () => {
    const ours = await recordOurRequest();
    expect([ours.method, ours.path, ours.headers.authorization, ours.headers["content-type"]]).toEqual(["POST", "/request-logs/", `Bearer ${API_KEY}`, "application/json"]);
    expect(ours.json()).toEqual({
      log_type: "chat",
      model: "gpt-4o-mini-2024-07-18",
      provider_id: "openai",
      prompt_messages: trace.request.messages,
      completion_message: {
        role: "assistant",
        content: "It is 18 °C and sunny in Paris.",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      tools: trace.request.tools,
      temperature: 0.2,
      max_tokens: 256,
      stream: true,
      prompt_tokens: 42,
      completion_tokens: 17,
      prompt_cache_hit_tokens: 8,
      usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 0 } },
      cost: 0.0000165,
      latency: 1.53,
      time_to_first_token: 0.31,
      start_time: "2026-11-26T12:00:00.000Z",
      timestamp: "2026-11-26T12:00:01.530Z",
      status_code: 200,
      customer_identifier: "user_42",
      thread_identifier: "session-7f3a",
      custom_identifier: "gen-1732622400-abc123",
      response_id: "chatcmpl-123",
      trace_unique_id: "trace-weather-001",
      span_workflow_name: "Weather question",
      span_unique_id: "gen-1732622400-abc123",
      span_name: "Weather LLM call",
      metadata: { environment: "production", release: "2026.11.1", feature: "weather", finish_reason: "stop", span: "Answer", api_key_name: "Production", sampling_rate: 0.5 },
    });
  });

  it("every field is one @keywordsai/keywordsai-sdk types, with the type it gives it", () => {
    const traces = [
      trace,
      outbound(applyPrivacy(sampleTrace())),
      outbound(sampleTrace({ status: "error", error: { message: "boom", status: 502 }, response: { id: null, model: null, messages: [] } })),
      outbound(sampleTrace({ trace: { trace_id: null, trace_name: null, span_name: null, generation_name: null, parent_span_id: "caller-span-9" }, user: null, session_id: null })),
    ];
    for (const t of traces) {
      const parsed = SDK_LOG.safeParse(keywordsAiLog(t));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it("the SDK's strict schema does catch a field it does not know (the check above can fail)", () => {
    expect(SDK_LOG.safeParse({ ...keywordsAiLog(trace), finish_reason: "stop" }).success).toBe(false);
    expect(SDK_LOG.safeParse({ ...keywordsAiLog(trace), latency: "1.53" }).success).toBe(false);
  });

  it("a caller's parameter never becomes a field that steers Keywords AI: unknown or mistyped ones go in metadata.parameters", () => {
    const hostile = keywordsAiLog(outbound(sampleTrace({ request: { ...sampleTrace().request, parameters: { temperature: "hot", disable_log: true, top_p: 0.9, seed: 7 } } })));
    expect(hostile.disable_log).toBeUndefined();
    expect(hostile.temperature).toBeUndefined();
    expect(hostile).toMatchObject({ top_p: 0.9, metadata: { parameters: { temperature: "hot", disable_log: true, seed: 7 } } });
    expect(SDK_LOG.safeParse(hostile).error?.issues ?? []).toEqual([]);
  });

  it("a failed call: its status and message; the caller's parent span as span_parent_id", () => {
    const failed = keywordsAiLog(outbound(sampleTrace({ status: "error", error: { message: "Upstream timed out", status: 504 }, trace: { ...sampleTrace().trace, parent_span_id: "caller-span-9" } })));
    expect(failed).toMatchObject({ status_code: 504, error_message: "Upstream timed out", span_parent_id: "caller-span-9" });
  });

  it("privacy mode: no message content reaches Keywords AI, tokens, cost and timing still do", async () => {
    const ours = await recordOurRequest([outbound(applyPrivacy(sampleTrace()), 1, "dlv-private")]);
    expect(ours.text).not.toContain("Paris");
    expect(ours.text).not.toContain("weather assistant");
    const body = ours.json<Record<string, unknown>>();
    expect(body.prompt_messages).toBeUndefined();
    expect(body.completion_message).toBeUndefined();
    expect(body).toMatchObject({ prompt_tokens: 42, completion_tokens: 17, cost: 0.0000165, latency: 1.53 });
  });

  it("form: the key is required, the base URL defaults to Keywords AI's API", () => {
    expect(keywordsai.config.safeParse({}).error?.issues[0]).toMatchObject({ path: ["apiKey"] });
    expect(keywordsai.config.parse({ apiKey: "k" }).baseUrl).toBe("https://api.keywordsai.co/api");
  });
});

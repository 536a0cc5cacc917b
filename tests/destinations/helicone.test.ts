// Helicone against what Helicone's own TypeScript package sends. @helicone/helpers' HeliconeManualLogger
// (pinned) logs the sample trace's call to a local recorder, as its docs show for a custom model:
// logRequest(request, operation that records the chat completion, Helicone-* headers for the user,
// session and custom properties). The destination sends the same trace to the same recorder, and the
// two requests are compared field by field.
import { HeliconeManualLogger } from "@helicone/helpers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import helicone, { heliconeLog } from "@/lib/destinations/helicone";
import { deliverBatch, deliverTraces } from "@/lib/destinations/http";
import { deterministicUuid } from "@/lib/destinations/ids";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { startRecorder, type RecordedRequest, type Recorder } from "../receivers/recorder";

const API_KEY = "sk-helicone-abcdefg-hijklmn-opqrstu-vwxyz01";
const trace = outbound(sampleTrace(), 1, "dlv-helicone");

let recorder: Recorder;
beforeAll(async () => {
  recorder = await startRecorder(() => ({ status: 200, body: "ok" }));
});
afterAll(() => recorder.close());
beforeEach(() => {
  recorder.requests.length = 0;
  recorder.respond = () => ({ status: 200, body: "ok" });
});
afterEach(() => vi.useRealTimers());

type HeliconeBody = {
  providerRequest: { url: string; json: Record<string, unknown>; meta: Record<string, string> };
  providerResponse: { json: Record<string, unknown>; status: number; headers: Record<string, string> };
  timing: { startTime: { seconds: number; milliseconds: number }; endTime: { seconds: number; milliseconds: number }; timeToFirstToken?: number };
};

/** The Helicone-* headers a developer passes to the logger for this call: user, session, properties. */
const SDK_HEADERS = {
  "Helicone-Request-Id": deterministicUuid(trace.delivery_id),
  "Helicone-User-Id": "user_42",
  "Helicone-Session-Id": "trace-weather-001",
  "Helicone-Session-Name": "Weather question",
  "Helicone-Session-Path": "/Answer/Weather LLM call",
  "Helicone-Property-environment": "production",
  "Helicone-Property-release": "2026.11.1",
  "Helicone-Property-feature": "weather",
  "Helicone-Property-Tracecast-Generation-Id": trace.id,
  "Helicone-Property-Tracecast-Session-Id": "session-7f3a",
  "Helicone-Property-Tracecast-Provider": "openai",
  "Helicone-Property-Tracecast-Api-Key": "Production",
  "Helicone-Property-Tracecast-Cost-Usd": "0.0000165",
};

/** What HeliconeManualLogger sends for the sample trace's call, recorded. */
async function recordSdkRequest(): Promise<RecordedRequest> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(trace.timing.start));
  const logger = new HeliconeManualLogger({ apiKey: API_KEY, loggingEndpoint: `${recorder.url}/custom/v1/log` });
  const request = { temperature: 0.2, max_tokens: 256, model: trace.model, messages: trace.request.messages, tools: trace.request.tools, stream: true };
  await logger.logRequest(
    request,
    async (results) => {
      vi.setSystemTime(new Date(trace.timing.end));
      results.appendResults({
        id: "chatcmpl-123",
        object: "chat.completion",
        created: Math.trunc(Date.parse(trace.timing.end) / 1000),
        model: "gpt-4o-mini-2024-07-18",
        choices: [{ index: 0, message: trace.response.messages[0], finish_reason: "stop" }],
        usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 0 } },
      });
    },
    SDK_HEADERS,
  );
  vi.useRealTimers();
  expect(recorder.requests).toHaveLength(1);
  return recorder.requests.splice(0)[0];
}

async function recordOurRequest(traces = [trace]): Promise<RecordedRequest> {
  await deliverBatch(helicone, traces, helicone.config.parse({ apiKey: API_KEY, baseUrl: recorder.url }));
  expect(recorder.requests).toHaveLength(1);
  return recorder.requests.splice(0)[0];
}

const heliconeHeadersOf = (r: RecordedRequest) => Object.fromEntries(Object.entries(r.headers).filter(([name]) => name.startsWith("helicone-")));
const lowerKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));

describe("Helicone", () => {
  it("sends what @helicone/helpers' HeliconeManualLogger sends, field by field", async () => {
    const sdk = await recordSdkRequest();
    const ours = await recordOurRequest();
    expect([ours.method, ours.path]).toEqual([sdk.method, sdk.path]);
    expect(ours.path).toBe("/custom/v1/log");
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(ours.headers["content-type"]).toBe(sdk.headers["content-type"]);
    // The same Helicone-* headers, each with the same value.
    expect(heliconeHeadersOf(ours)).toEqual(heliconeHeadersOf(sdk));
    expect(heliconeHeadersOf(sdk)).toEqual(lowerKeys(SDK_HEADERS));

    const sdkBody = sdk.json<HeliconeBody>();
    const ourBody = ours.json<HeliconeBody>();
    expect(ourBody.providerRequest.url).toBe(sdkBody.providerRequest.url);
    expect(ourBody.providerRequest.json).toEqual(sdkBody.providerRequest.json);
    expect(ourBody.providerResponse).toEqual(sdkBody.providerResponse);
    // Timing: the same start and end; the time to first token the docs' Timing type carries is ours in addition
    // (logRequest has no stream to measure it on).
    const { timeToFirstToken, ...timing } = ourBody.timing;
    expect(timing).toEqual(sdkBody.timing);
    expect(timeToFirstToken).toBe(310);
    // The SDK's meta is empty (its Helicone-* go as HTTP headers only); ours repeats them there, where
    // Helicone's worker reads them too and where values outside printable ASCII can travel.
    expect(sdkBody.providerRequest.meta).toEqual({});
    expect(ourBody.providerRequest.meta).toEqual(SDK_HEADERS);
  });

  it("maps the trace: tool calls, cached and reasoning tokens, finish reason, streaming, parameters", () => {
    const body = heliconeLog(trace) as unknown as HeliconeBody;
    const response = body.providerResponse.json as { choices: { message: { tool_calls: unknown[] }; finish_reason: string }[]; usage: Record<string, unknown> };
    expect(response.choices[0].message.tool_calls).toEqual(trace.response.messages[0].tool_calls);
    expect(response.choices[0].finish_reason).toBe("stop");
    expect(response.usage).toEqual({ prompt_tokens: 42, completion_tokens: 17, total_tokens: 59, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 0 } });
    expect(body.providerRequest.json).toMatchObject({ stream: true, temperature: 0.2, max_tokens: 256, tools: trace.request.tools });
    expect(body.timing).toEqual({ startTime: { seconds: 1795694400, milliseconds: 0 }, endTime: { seconds: 1795694401, milliseconds: 530 }, timeToFirstToken: 310 });
  });

  it("logs a failed call with the provider's status and error", () => {
    const failed = outbound(sampleTrace({ status: "error", error: { message: "Rate limited upstream", code: "rate_limit", status: 429 }, response: { id: null, model: null, messages: [] } }));
    const body = heliconeLog(failed) as unknown as HeliconeBody;
    expect(body.providerResponse.status).toBe(429);
    expect(body.providerResponse.json).toEqual({ error: { message: "Rate limited upstream", code: "rate_limit" }, model: failed.model });
  });

  it("privacy mode: no message content reaches Helicone, usage and timing still do", async () => {
    const ours = await recordOurRequest([outbound(applyPrivacy(sampleTrace()), 1, "dlv-private")]);
    expect(ours.text).not.toContain("Paris");
    expect(ours.text).not.toContain("weather assistant");
    const body = ours.json<HeliconeBody>();
    expect(body.providerRequest.json.messages).toBeUndefined();
    expect(body.providerResponse.json.choices).toBeUndefined();
    expect(body.providerResponse.json.usage).toMatchObject({ prompt_tokens: 42, completion_tokens: 17 });
  });

  it("a property value outside printable ASCII travels in meta only, so the request is still sent", async () => {
    const ours = await recordOurRequest([outbound(sampleTrace({ metadata: { team: "日本チーム", "odd key": "ok" } }), 1, "dlv-unicode")]);
    expect(ours.headers["helicone-property-team"]).toBeUndefined();
    expect(ours.headers["helicone-property-odd-key"]).toBe("ok");
    expect(ours.json<HeliconeBody>().providerRequest.meta).toMatchObject({ "Helicone-Property-team": "日本チーム", "Helicone-Property-odd-key": "ok" });
  });

  it("many properties: the HTTP headers stop at 8 KiB (user and session kept), meta carries them all", async () => {
    const metadata = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`prop${i}`, "v".repeat(100)]));
    const ours = await recordOurRequest([outbound(sampleTrace({ metadata }), 1, "dlv-many")]);
    const headerBytes = Object.entries(ours.headers).filter(([name]) => name.startsWith("helicone-")).reduce((n, [name, v]) => n + name.length + String(v).length + 4, 0);
    expect(headerBytes).toBeLessThanOrEqual(8 * 1024);
    expect(ours.headers["helicone-user-id"]).toBe("user_42");
    expect(ours.headers["helicone-session-id"]).toBe("trace-weather-001");
    expect(ours.headers["helicone-property-prop199"]).toBeUndefined();
    expect(Object.keys(ours.json<HeliconeBody>().providerRequest.meta).filter((k) => k.startsWith("Helicone-Property-prop"))).toHaveLength(200);
  });

  it("a 200 answer carrying Helicone's storage error is a retryable failure of that trace, not a delivery", async () => {
    recorder.respond = () => ({ status: 200, body: JSON.stringify({ error: "clickhouse insert failed" }) });
    const config = helicone.config.parse({ apiKey: API_KEY, baseUrl: recorder.url });
    await expect(deliverBatch(helicone, [trace], config)).rejects.toMatchObject({ retryable: true, message: expect.stringContaining("clickhouse insert failed") });
    recorder.respond = (req) => (req.text.includes("gen-second") ? { status: 200, body: '{"error":"busy"}' } : { status: 200, body: "ok" });
    const { failed } = await deliverTraces(helicone, [trace, outbound(sampleTrace({ id: "gen-second" }), 1, "dlv-second")], config);
    expect([...failed.keys()]).toEqual(["dlv-second"]);
  });

  it("form validation: the key must be a Helicone key (sk- or pk-), not a provider's", () => {
    const messageFor = (apiKey: string) => helicone.config.safeParse({ apiKey }).error?.issues[0]?.message;
    expect(messageFor("sk-proj-abc123")).toBe("This is an OpenAI or Anthropic key: use a Helicone API key");
    expect(messageFor("sk-ant-api03-abc")).toBe("This is an OpenAI or Anthropic key: use a Helicone API key");
    expect(messageFor("helicone-key")).toBe("A Helicone API key starts with sk- or pk-");
    expect(messageFor("sk-helicone-eu-abcdefg-hijklmn")).toBeUndefined();
    expect(messageFor("pk-helicone-abcdefg")).toBeUndefined();
    expect(helicone.config.parse({ apiKey: "sk-helicone-x" }).baseUrl).toBe("https://api.worker.helicone.ai");
  });
});

// Galileo: the log-traces request compared field by field with what the official `galileo` SDK
// (GalileoLogger, pinned in package.json) sends for the same LLM call, both recorded on a loopback
// server; then delivery through the shared path and the drain (a 503 retried, a 4xx refused), and
// Test connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import galileo, { galileoRequests, galileoTrace } from "@/lib/destinations/galileo";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { drainDestination } from "@/lib/delivery/drain";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, makeDue } from "../support/delivery";
import { startRecorder, type RecordedRequest, type Recorder } from "../receivers/recorder";
import { GALILEO_LOG_STREAM, GALILEO_PROJECT } from "../support/destination-configs";

const KEY = "galileo-test-key-0123456789";
let recorder: Recorder;
/** What the SDK's flush sent, recorded once. */
let sdkFlush: RecordedRequest;

/** The Galileo API's answers the SDK needs before it flushes (health, API-key login), and the ingest answer. */
function galileoApi(req: RecordedRequest) {
  if (req.path === "/healthcheck") return { status: 200, body: JSON.stringify({ api_version: "v1", message: "ok", version: "1" }) };
  // An unsigned JWT expiring in 2100: the SDK only decodes it to check its expiry.
  if (req.path === "/login/api_key") return { status: 200, body: JSON.stringify({ access_token: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln", token_type: "bearer" }) };
  return { status: 200, body: JSON.stringify({ project_id: GALILEO_PROJECT, log_stream_id: GALILEO_LOG_STREAM, traces_count: 1, records_count: 2 }) };
}

/** The LLM call both sides log: one generation, no named span. */
const call: Trace = sampleTrace({ id: "gen-galileo", trace: { trace_id: "trace-galileo", trace_name: "Weather question", span_name: null, generation_name: "Weather LLM call", parent_span_id: null } });

beforeAll(async () => {
  recorder = await startRecorder(galileoApi);
  // The SDK replaces a console URL containing "127.0.0.1" or "localhost" with http://localhost:8088;
  // 127.1 is the same loopback address written another way.
  process.env.GALILEO_CONSOLE_URL = recorder.url.replace("127.0.0.1", "127.1");
  process.env.GALILEO_API_KEY = KEY;
  const { GalileoLogger } = await import("galileo");
  const logger = new GalileoLogger({ projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM });
  const ours = galileoTrace(outbound(call));
  const span = (ours.spans as Record<string, unknown>[])[0];
  const metrics = span.metrics as Record<string, number>;
  const createdAt = new Date(call.timing.start);
  logger.startTrace({
    input: ours.input as string,
    name: ours.name as string,
    createdAt,
    durationNs: metrics.duration_ns,
    metadata: ours.user_metadata as Record<string, string>,
    tags: [],
    externalId: "trace-galileo",
  });
  logger.addLlmSpan({
    input: span.input as never,
    output: span.output as never,
    model: span.model as string,
    name: span.name as string,
    createdAt,
    durationNs: metrics.duration_ns,
    metadata: span.user_metadata as Record<string, string>,
    tags: [],
    numInputTokens: metrics.num_input_tokens,
    numOutputTokens: metrics.num_output_tokens,
    totalTokens: metrics.num_total_tokens,
    numReasoningTokens: metrics.num_reasoning_tokens,
    numCachedInputTokens: metrics.num_cached_input_tokens,
    timeToFirstTokenNs: metrics.time_to_first_token_ns,
    temperature: span.temperature as number,
    statusCode: span.status_code as number,
    tools: span.tools as never,
  });
  logger.conclude({ output: ours.output as string, durationNs: metrics.duration_ns });
  await logger.flush();
  sdkFlush = recorder.requests.find((r) => r.path.endsWith("/traces"))!;
  recorder.requests.length = 0;
});
afterAll(() => recorder.close());

const configFor = (overrides: Record<string, unknown> = {}) => galileo.config.parse({ apiKey: KEY, projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM, baseUrl: recorder.url, ...overrides });
/** Ids the SDK draws at random (uuid4), and the ones we derive: compared apart. */
const withoutIds = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([k]) => k !== "id").map(([k, v]) => [k, k === "spans" ? (v as Record<string, unknown>[]).map(withoutIds) : v]));

describe("Galileo destination", () => {
  it("posts what the galileo SDK's flush posts, field by field, authenticated with the Galileo-API-Key header", async () => {
    expect(sdkFlush, "the SDK flushed to the recorder").toBeDefined();
    recorder.requests.length = 0;
    await deliverBatch(galileo, [outbound(call)], configFor());
    const ours = recorder.requests[0];
    expect(ours.method).toBe(sdkFlush.method);
    expect(ours.path).toBe(`/projects/${GALILEO_PROJECT}/traces`);
    expect(ours.path).toBe(sdkFlush.path);
    expect(ours.headers["content-type"]).toBe(sdkFlush.headers["content-type"]);
    // The SDK logs in with the key for a session token; the API also takes the key itself (its apiKeyHeader scheme).
    expect(sdkFlush.headers.authorization).toMatch(/^Bearer /);
    expect(ours.headers["galileo-api-key"]).toBe(KEY);

    const sdkBody = sdkFlush.json<Record<string, unknown> & { traces: Record<string, unknown>[] }>();
    const ourBody = ours.json<Record<string, unknown> & { traces: Record<string, unknown>[] }>();
    // Envelope: same values where both send a key; the SDK's others are its defaults (no experiment, no ids back).
    for (const key of Object.keys(ourBody).filter((k) => k !== "traces")) expect([key, ourBody[key]]).toEqual([key, sdkBody[key]]);
    expect(sdkBody).toMatchObject({ experiment_id: null, include_trace_ids: false });
    // Trace and span: every field, same names and values, ids apart.
    expect(ourBody.traces).toHaveLength(1);
    const [sdkTrace] = sdkBody.traces;
    const [ourTrace] = ourBody.traces;
    expect(Object.keys(ourTrace).sort()).toEqual(Object.keys(sdkTrace).sort());
    const [sdkSpan] = sdkTrace.spans as Record<string, unknown>[];
    const [ourSpan] = ourTrace.spans as Record<string, unknown>[];
    expect(Object.keys(ourSpan).sort()).toEqual(Object.keys(sdkSpan).sort());
    // Two quirks of the SDK's serializer, where we follow the API's schema (LlmMetrics, LlmMessage in
    // galileo-generated) instead: it names two metrics in camelCase beside the snake_case others, and
    // drops the answer's tool_calls, which the API's message carries.
    const sdkMetrics = sdkSpan.metrics as Record<string, unknown>;
    expect(sdkMetrics).toMatchObject({ numCachedInputTokens: 8, numReasoningTokens: 0 });
    expect(sdkSpan.output).not.toHaveProperty("tool_calls");
    const { numCachedInputTokens, numReasoningTokens, ...sdkSnakeMetrics } = sdkMetrics;
    const sdkAsSchema = {
      ...sdkTrace,
      spans: [
        {
          ...sdkSpan,
          metrics: { ...sdkSnakeMetrics, num_cached_input_tokens: numCachedInputTokens, num_reasoning_tokens: numReasoningTokens },
          output: { ...(sdkSpan.output as object), tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        },
      ],
    };
    expect(withoutIds(ourTrace)).toEqual(withoutIds(sdkAsSchema));
    expect(ourSpan.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // What the comparison covers, spelled out: the conversation, the model, tokens and durations.
    expect(ourSpan).toMatchObject({
      type: "llm",
      model: "gpt-4o-mini-2024-07-18",
      temperature: 0.2,
      input: [
        { role: "system", content: "You are a helpful weather assistant." },
        { role: "user", content: "What's the weather in Paris?" },
      ],
      output: { role: "assistant", content: "It is 18 °C and sunny in Paris.", tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      metrics: { duration_ns: 1_530_000_000, num_input_tokens: 42, num_output_tokens: 17, num_total_tokens: 59, num_cached_input_tokens: 8, num_reasoning_tokens: 0, time_to_first_token_ns: 310_000_000 },
    });
    expect(ourTrace).toMatchObject({ external_id: "trace-galileo", name: "Weather question", input: "What's the weather in Paris?", output: "It is 18 °C and sunny in Paris." });
    expect(ourTrace.user_metadata).toMatchObject({ session_id: "session-7f3a", user_id: "user_42", environment: "production" });
  });

  it("a named span becomes a workflow span around the LLM span; ids are stable across retries", () => {
    const [request] = galileoRequests([outbound(sampleTrace({ id: "gen-nested" }))], configFor());
    const body = JSON.parse(request.body as string) as { traces: { spans: { type: string; name: string; spans?: { type: string }[] }[] }[] };
    expect(body.traces[0].spans).toMatchObject([{ type: "workflow", name: "Answer", spans: [{ type: "llm" }] }]);
    const [again] = galileoRequests([outbound(sampleTrace({ id: "gen-nested" }))], configFor());
    expect(again.body).toBe(request.body);
  });

  it("privacy mode: no prompt or completion is sent, token counts are", async () => {
    recorder.requests.length = 0;
    await deliverBatch(galileo, [outbound(applyPrivacy(call))], configFor());
    const text = recorder.requests[0].text;
    expect(text).not.toContain("Paris");
    expect(text).toContain('"num_total_tokens":59');
  });

  it("through the drain: a 503 is retried, then delivered; a 401 fails permanently", async () => {
    const workspace = await createWorkspace();
    const destination = await createDestinationRow(workspace.id, "galileo", { apiKey: KEY, projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM, baseUrl: recorder.url });
    await enqueue(workspace.id, [destination.id], 2);
    recorder.respond = () => ({ status: 503, body: "busy" });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, retrying: 2 });
    recorder.respond = galileoApi;
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2 });

    await enqueue(workspace.id, [destination.id], 1);
    recorder.respond = () => ({ status: 401, body: JSON.stringify({ detail: "Invalid API key" }) });
    expect(await drainDestination(destination.id)).toMatchObject({ failed: 1 });
    expect((await deliveriesOf(destination.id)).find((d) => d.status === "failed")?.lastError).toMatch(/401/);
    recorder.respond = galileoApi;
  });

  it("Test connection sends the test trace; a wrong key or project is reported with Galileo's answer", async () => {
    recorder.requests.length = 0;
    expect(await runDestinationTest(galileo, configFor())).toMatchObject({ ok: true, status: 200, message: "Galileo accepted the test trace (200)" });
    expect(recorder.requests[0].json<{ traces: { user_metadata: Record<string, string> }[] }>().traces[0].user_metadata.is_test).toBe("true");
    recorder.respond = () => ({ status: 401, body: JSON.stringify({ detail: "Invalid API key" }) });
    const wrongKey = await runDestinationTest(galileo, configFor());
    expect(wrongKey).toMatchObject({ ok: false, status: 401, message: "Galileo is reachable, but rejected the test trace (401)", responseBody: expect.stringContaining("Invalid API key") });
    expect(wrongKey.request?.headers["galileo-api-key"]).not.toBe(KEY);
    recorder.respond = () => ({ status: 404, body: JSON.stringify({ detail: "Project not found" }) });
    expect(await runDestinationTest(galileo, configFor())).toMatchObject({ ok: false, status: 404 });
    recorder.respond = galileoApi;
  });

  it("config: project and log stream must be UUIDs, the base URL http(s)", () => {
    const issues = (config: Record<string, unknown>) => galileo.config.safeParse({ apiKey: KEY, projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM, ...config }).error?.issues.map((i) => String(i.path[0]));
    expect(issues({})).toBeUndefined();
    expect(galileo.config.parse({ apiKey: KEY, projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM }).baseUrl).toBe("https://api.galileo.ai");
    expect(issues({ projectId: "my-project", logStreamId: "default", baseUrl: "ftp://x" })).toEqual(["projectId", "logStreamId", "baseUrl"]);
  });
});

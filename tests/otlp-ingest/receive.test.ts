// The OTLP/HTTP traces receiver through the real direct routes (node:http, as scripts/server.mjs
// serves it) and the real database: encodings, gzip, auth, the OTLP error answers and every bound a
// hostile body could push against.
// The ingest rate limit, read on first use: low enough for the 429 test, high enough for each key's other requests.
process.env.TRACECAST_INGEST_BURST = "20";
process.env.TRACECAST_INGEST_RATE_PER_SEC = "0.5";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpSettings } from "@/components/api-keys/otlp-settings";
import { otlpRequests } from "@/lib/destinations/otlp";
import { exportTraceServiceRequestType } from "@/lib/destinations/otlp/proto";
import { OTLP_INGEST_LIMITS, TOO_DEEP } from "@/lib/otlp-ingest/decode";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { LIMITS, type Trace } from "@/lib/traces/schema";
import { createTestWorkspace, serveDirectRoutes, storedTraces, type RouteServer, type TestWorkspace } from "../support/direct-routes";
import { asJson, asProtobuf, decodeExportResponse, otlpRequest, post, TRACE_ID, type SpanSpec } from "./helpers";

let server: RouteServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await serveDirectRoutes();
});
afterAll(() => server?.close());

const url = (path = "/v1/traces") => `${server.url}${path}`;
const protobufHeaders = (key: string) => ({ "content-type": "application/x-protobuf", authorization: `Bearer ${key}` });
const jsonHeaders = (key: string) => ({ "content-type": "application/json", "x-api-key": key });

/** A workflow span with a chat generation under it, GenAI semantic conventions (current names). */
const workflowWithChat: SpanSpec[] = [
  { spanId: "1111111111111111", name: "answer-weather", attributes: { "user.id": "user_7", "session.id": "chat-42", "trace.metadata.plan": "pro" } },
  {
    spanId: "2222222222222222",
    parentSpanId: "1111111111111111",
    name: "chat gpt-4o-mini",
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.usage.input_tokens": 21,
      "gen_ai.usage.output_tokens": 9,
      "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]),
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Sunny." }], finish_reason: "stop" }]),
      "app.feature": "weather",
    },
  },
  { spanId: "3333333333333333", parentSpanId: "1111111111111111", name: "GET /forecast", attributes: { "http.request.method": "GET" } },
];

beforeAll(async () => {
  ws = await createTestWorkspace("otlp-receive");
});

describe("accepting spans", () => {
  it("takes OTLP/protobuf with a Bearer key: 200 ExportTraceServiceResponse in protobuf, the generation stored as a trace", async () => {
    const answer = await post(url(), protobufHeaders(ws.apiKey), asProtobuf(otlpRequest(workflowWithChat)));
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/x-protobuf");
    expect(decodeExportResponse(answer.body)).toEqual({});
    const [trace] = (await storedTraces(ws.ctx.workspace.id)).filter((t) => t.id === "2222222222222222");
    expect(trace).toMatchObject({
      model: "gpt-4o-mini",
      provider: "openai",
      source: "otlp",
      user: "user_7",
      session_id: "chat-42",
      usage: { input_tokens: 21, output_tokens: 9, total_tokens: 30 },
      request: { messages: [{ role: "user", content: "Weather in Paris?" }] },
      response: { model: "gpt-4o-mini-2024-07-18", messages: [{ role: "assistant", content: "Sunny." }] },
      finish_reason: "stop",
      timing: { start: "2026-12-01T10:00:00.000Z", duration_ms: 1200 },
      trace: { trace_id: TRACE_ID, trace_name: "answer-weather", span_name: null, generation_name: "chat gpt-4o-mini", parent_span_id: null },
      metadata: { plan: "pro", "app.feature": "weather", "service.name": "weather-app" },
      api_key_name: "Proxy tests",
    });
  });

  it("is served under Next.js too: the route file at /v1/traces answers a web Request", async () => {
    const { POST } = await import("@/app/v1/traces/route");
    const other = await createTestWorkspace("otlp-next");
    const response = await POST(
      new Request("http://localhost/v1/traces", { method: "POST", headers: protobufHeaders(other.apiKey), body: asProtobuf(otlpRequest(workflowWithChat)) }),
      { params: Promise.resolve({}) },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    expect((await storedTraces(other.ctx.workspace.id)).map((t) => t.model)).toEqual(["gpt-4o-mini"]);
  });

  it("takes gzipped OTLP/JSON with an x-api-key header at /api/v1/otlp/v1/traces, answering in JSON", async () => {
    const other = await createTestWorkspace("otlp-json");
    const body = gzipSync(asJson(otlpRequest(workflowWithChat)));
    const answer = await post(url("/api/v1/otlp/v1/traces"), { ...jsonHeaders(other.apiKey), "content-encoding": "gzip" }, body);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const traces = await storedTraces(other.ctx.workspace.id);
    expect(traces.map((t) => [t.model, t.trace.trace_id])).toEqual([["gpt-4o-mini", TRACE_ID]]);
  });

  it("reports the generation spans it could not take in partial_success and stores the others", async () => {
    const other = await createTestWorkspace("otlp-partial");
    const spans: SpanSpec[] = [
      ...workflowWithChat,
      { spanId: "4444444444444444", name: "chat", attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3 } },
      { spanId: "5555555555555555", name: "chat", attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "user.id": "u".repeat(LIMITS.userLength + 1) } },
    ];
    const answer = await post(url(), protobufHeaders(other.apiKey), asProtobuf(otlpRequest(spans)));
    expect(answer.status).toBe(200);
    const { partialSuccess } = decodeExportResponse(answer.body) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(partialSuccess.rejectedSpans).toBe("2");
    expect(partialSuccess.errorMessage).toMatch(/span 4444444444444444: no model attribute/);
    expect(partialSuccess.errorMessage).toMatch(/span 5555555555555555: user: /);
    expect((await storedTraces(other.ctx.workspace.id)).map((t) => t.id)).toEqual(["2222222222222222"]);

    const json = await post(url(), jsonHeaders(other.apiKey), asJson(otlpRequest(spans.slice(3))));
    expect(JSON.parse(json.body.toString())).toMatchObject({ partialSuccess: { rejectedSpans: "2" } });
  });

  it("stores a batch the exporter sends again (after a lost answer) only once, and answers 200 both times", async () => {
    const other = await createTestWorkspace("otlp-retry");
    const body = asProtobuf(otlpRequest(workflowWithChat));
    const first = await post(url(), protobufHeaders(other.apiKey), body);
    const retry = await post(url(), protobufHeaders(other.apiKey), body);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(decodeExportResponse(retry.body)).toEqual({});
    expect((await storedTraces(other.ctx.workspace.id)).map((t) => t.id)).toEqual(["2222222222222222"]);
    // A new generation span in the same trace is a new request: stored.
    const next = otlpRequest([workflowWithChat[0], { ...workflowWithChat[1], spanId: "2222222222222223" }]);
    expect((await post(url(), protobufHeaders(other.apiKey), asProtobuf(next))).status).toBe(200);
    expect(await storedTraces(other.ctx.workspace.id)).toHaveLength(2);
  });

  it("stores nothing and answers 200 for spans that are not LLM generations", async () => {
    const other = await createTestWorkspace("otlp-none");
    const answer = await post(url(), protobufHeaders(other.apiKey), asProtobuf(otlpRequest([workflowWithChat[0], workflowWithChat[2]])));
    expect(answer.status).toBe(200);
    expect(await storedTraces(other.ctx.workspace.id)).toEqual([]);
  });

  it("OpenRouter's OpenTelemetry Collector destination, set up as the API keys screen says: its OTLP/JSON becomes one trace", async () => {
    const other = await createTestWorkspace("otlp-openrouter");
    const recipe = otlpSettings(server.url, other.apiKey).openRouter;
    // What OpenRouter sends: OTLP/JSON to the endpoint as given, with the destination's headers.
    const headers = { "content-type": "application/json", ...(JSON.parse(recipe.headers) as Record<string, string>) };
    const answer = await post(recipe.endpoint, headers, fs.readFileSync(path.join(__dirname, "fixtures/openrouter-broadcast.json")));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const traces = await storedTraces(other.ctx.workspace.id);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      id: "9c4e2a7b1d3f5e60",
      model: "anthropic/claude-haiku-4.5",
      provider: "anthropic",
      request: { messages: [{ role: "system", content: "You are a poet." }, { role: "user", content: "A haiku about the sea" }], parameters: { temperature: 0.7 } },
      response: { id: "gen-1765101600-Q2x9", messages: [{ role: "assistant", content: "Grey waves fold and fold" }] },
      usage: { input_tokens: 24, output_tokens: 11, total_tokens: 35, cached_tokens: 0 },
      cost: { input: 0.000024, output: 0.000055, total: 0.000079 },
      timing: { start: "2025-12-07T10:00:00.120Z", end: "2025-12-07T10:00:01.870Z", duration_ms: 1750 },
      finish_reason: "stop",
      user: "customer-81",
      session_id: "poetry-session",
      trace: { trace_id: "5d1b8e0a7c3f4e21a9b06c4d2e8f1a37", trace_name: "OpenRouter Request", generation_name: "LLM Generation", span_name: null, parent_span_id: null },
      metadata: { environment: "production", "service.name": "openrouter" },
    });
  });

  it.each(["json", "protobuf"] as const)("round trip (OTLP/%s): what the OpenTelemetry Collector destination sends comes back as the same trace", async (encoding) => {
    const other = await createTestWorkspace(`otlp-roundtrip-${encoding}`);
    const original: Trace = { ...sampleTrace(), app: { name: "Weather app", url: "https://weather.example/" }, user_agent: "OpenAI/JS 6.9.1", source: "api", upstream: null };
    const [request] = otlpRequests([outbound(original)], { url: url(), encoding, headers: { authorization: `Bearer ${other.apiKey}` }, gzip: encoding === "protobuf", serviceName: undefined });
    const answer = await post(url(), request.headers, Buffer.from(request.body));
    expect(answer.status).toBe(200);
    const traces = await storedTraces(other.ctx.workspace.id);
    expect(traces).toHaveLength(1);
    const { received_at, api_key_name, metadata, ...rest } = traces[0];
    const { received_at: _r, api_key_name: _a, metadata: originalMetadata, ...expected } = original;
    // Now it arrived through OTLP.
    expect(rest).toEqual({ ...expected, source: "otlp" });
    expect(metadata).toEqual({ ...originalMetadata, "service.name": "Production" });
    expect(api_key_name).toBe("Proxy tests");
    expect(received_at).not.toBe(original.received_at);
  });
});

describe("refusing what is not an OTLP request", () => {
  it("401 without a key or with a wrong one", async () => {
    const body = asProtobuf(otlpRequest(workflowWithChat));
    expect((await post(url(), { "content-type": "application/x-protobuf" }, body)).status).toBe(401);
    const wrong = await post(url(), { "content-type": "application/x-protobuf", "x-api-key": "tc_wrong" }, body);
    expect(wrong.status).toBe(401);
  });

  it("415 for another content type or content encoding", async () => {
    const text = await post(url(), { ...protobufHeaders(ws.apiKey), "content-type": "text/plain" }, "hello");
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body.toString())).toEqual({ code: 3, message: expect.stringMatching(/application\/x-protobuf or application\/json/) });
    const brotli = await post(url(), { ...protobufHeaders(ws.apiKey), "content-encoding": "br" }, asProtobuf(otlpRequest(workflowWithChat)));
    expect(brotli.status).toBe(415);
  });

  it("400 with a google.rpc.Status in the request's encoding for an undecodable body", async () => {
    const status = protobuf.Type.fromJSON("Status", { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 } } });
    const garbage = await post(url(), protobufHeaders(ws.apiKey), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(garbage.status).toBe(400);
    expect(status.toObject(status.decode(garbage.body))).toMatchObject({ code: 3, message: expect.stringMatching(/Not an OTLP ExportTraceServiceRequest/) });
    const notJson = await post(url(), jsonHeaders(ws.apiKey), "{nope");
    expect(notJson.status).toBe(400);
    const base64Ids = await post(url(), jsonHeaders(ws.apiKey), JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "Cvdl+RbNQ92ESOshHIAxnA==" }] }] }] }));
    expect(base64Ids.status).toBe(400);
    expect(JSON.parse(base64Ids.body.toString()).message).toMatch(/traceId must be a hex string/);
    const notGzip = await post(url(), { ...protobufHeaders(ws.apiKey), "content-encoding": "gzip" }, "plain");
    expect(notGzip.status).toBe(400);
  });

  it("413 for a body over the limit, announced or not, and for a gzip bomb", async () => {
    const big = Buffer.alloc(LIMITS.bodyBytes + 1);
    expect((await post(url(), protobufHeaders(ws.apiKey), big)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(LIMITS.bodyBytes * 4));
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    const answer = await post(url(), { ...protobufHeaders(ws.apiKey), "content-encoding": "gzip" }, bomb);
    expect(answer.status).toBe(413);
  });

  it("refuses more spans than the per-request limit", async () => {
    const spans = Array.from({ length: OTLP_INGEST_LIMITS.spansPerRequest + 1 }, (_, i) => ({ spanId: (i + 1).toString(16).padStart(16, "0"), name: "s" }));
    const answer = await post(url(), protobufHeaders(ws.apiKey), asProtobuf(otlpRequest(spans)));
    expect(answer.status).toBe(400);
  });

  it("cuts attribute values nested past the depth limit, and refuses nesting deep enough to overflow the decoder", async () => {
    const nested = (depth: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { stringValue: "bottom" };
      for (let i = 0; i < depth; i++) value = { kvlistValue: { values: [{ key: "k", value }] } };
      return value;
    };
    const type = exportTraceServiceRequestType();
    const withValue = (value: Record<string, unknown>) => {
      const request = otlpRequest([workflowWithChat[1]]) as unknown as { resourceSpans: { scopeSpans: { spans: { attributes: unknown[]; traceId: unknown; spanId: unknown }[] }[] }[] };
      const span = request.resourceSpans[0].scopeSpans[0].spans[0];
      span.attributes.push({ key: "deep", value });
      span.traceId = Buffer.from(TRACE_ID, "hex");
      span.spanId = Buffer.from("2222222222222222", "hex");
      return Buffer.from(type.encode(type.fromObject(request)).finish());
    };
    const other = await createTestWorkspace("otlp-deep");
    const shallow = await post(url(), protobufHeaders(other.apiKey), withValue(nested(OTLP_INGEST_LIMITS.valueDepth + 4)));
    expect(shallow.status).toBe(200);
    const [trace] = await storedTraces(other.ctx.workspace.id);
    let value = trace.metadata.deep as Record<string, unknown>;
    for (let i = 0; i < OTLP_INGEST_LIMITS.valueDepth - 1; i++) value = value.k as Record<string, unknown>;
    expect(value.k).toBe(TOO_DEEP);

    const deepJson = `${'{"a":'.repeat(OTLP_INGEST_LIMITS.jsonDepth + 1)}1${"}".repeat(OTLP_INGEST_LIMITS.jsonDepth + 1)}`;
    const json = await post(url(), jsonHeaders(ws.apiKey), deepJson);
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString()).message).toMatch(/nested deeper than/);

    // The same body, shallow, is a valid request (so the 400 below is the depth, not the hand encoding).
    expect((await post(url(), protobufHeaders(ws.apiKey), deeplyNestedProtobuf(3))).status).toBe(200);
    const overflow = await post(url(), protobufHeaders(ws.apiKey), deeplyNestedProtobuf(100_000));
    expect(overflow.status).toBe(400);
    expect(overflow.headers["content-type"]).toBe("application/x-protobuf");
  });

  it("429 with Retry-After in OTLP's Status once the key's rate is spent (the JSON API's limiter)", async () => {
    const other = await createTestWorkspace("otlp-rate");
    let answer = await post(url(), protobufHeaders(other.apiKey), asProtobuf(otlpRequest([])));
    for (let i = 0; i < 50 && answer.status === 200; i++) answer = await post(url(), protobufHeaders(other.apiKey), asProtobuf(otlpRequest([])));
    expect(answer.status).toBe(429);
    expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    expect(answer.headers["content-type"]).toBe("application/x-protobuf");
  });
});

const varint = (n: number): Buffer => {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
};

/** A message field holding `length` bytes that follow: its tag and length prefix. */
const fieldPrefix = (tag: number, length: number) => Buffer.concat([Buffer.from([tag]), varint(length)]);

/**
 * An ExportTraceServiceRequest of one span whose attribute "deep" is `levels` key-value lists
 * nested in each other, written by hand: every enclosing message ends with the nested one, so the
 * body is the prefixes, outermost first, then the innermost value (no O(n²) re-encoding).
 */
function deeplyNestedProtobuf(levels: number): Buffer {
  const innermost = Buffer.from([0x0a, 0x00]); // AnyValue { string_value: "" }
  const prefixes: Buffer[] = [];
  let length = innermost.length;
  for (let i = 0; i < levels; i++) {
    const keyValue = [Buffer.from([0x0a, 0x01, 0x6b]), fieldPrefix(0x12, length)]; // KeyValue { key: "k", value: … }
    const keyValueLength = 3 + keyValue[1].length + length;
    const list = fieldPrefix(0x0a, keyValueLength); // KeyValueList { values: [ … ] }
    const anyValue = fieldPrefix(0x32, list.length + keyValueLength); // AnyValue { kvlist_value: … }
    prefixes.push(Buffer.concat([anyValue, list, ...keyValue]));
    length += anyValue.length + list.length + 3 + keyValue[1].length;
  }
  prefixes.reverse();
  const attribute = [Buffer.from([0x0a, 0x04, ...Buffer.from("deep")]), fieldPrefix(0x12, length)]; // KeyValue { key: "deep", value: … }
  const attributeLength = attribute[0].length + attribute[1].length + length;
  const ids = Buffer.concat([Buffer.from([0x0a, 0x10]), Buffer.from(TRACE_ID, "hex"), Buffer.from([0x12, 0x08]), Buffer.alloc(8, 0x22)]);
  const attributesField = fieldPrefix(0x4a, attributeLength); // Span.attributes
  const spanLength = ids.length + attributesField.length + attributeLength;
  const span = fieldPrefix(0x12, spanLength); // ScopeSpans.spans
  const scopeSpans = fieldPrefix(0x12, span.length + spanLength); // ResourceSpans.scope_spans
  const resourceSpans = fieldPrefix(0x0a, scopeSpans.length + span.length + spanLength); // ExportTraceServiceRequest.resource_spans
  return Buffer.concat([resourceSpans, scopeSpans, span, ids, attributesField, ...attribute, ...prefixes, innermost]);
}

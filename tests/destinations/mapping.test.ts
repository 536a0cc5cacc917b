// Platform-specific mapping of the HTTP-based native destinations: what each platform needs to show
// the trace correctly (hierarchy, ids, identity, metadata) and the rules that could silently break
// (Datadog's exact nanoseconds and 24-hour window, Opik's deterministic UUIDv7s, Snowflake auth).
import { createHash, generateKeyPairSync } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import braintrust from "@/lib/destinations/braintrust";
import datadog from "@/lib/destinations/datadog";
import { deliverTraces, runDestinationTest } from "@/lib/destinations/http";
import { hexTraceId } from "@/lib/destinations/ids";
import { storedConfigOf } from "@/lib/broadcast/stored-config";
import opik, { opikTraceUuid } from "@/lib/destinations/opik";
import posthog from "@/lib/destinations/posthog";
import snowflake, { jwtAccount, SNOWFLAKE_STATEMENT_BYTES, snowflakeRequests } from "@/lib/destinations/snowflake";
import type { OutboundRequest } from "@/lib/destinations/types";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { NO_CONTEXT, recent, variants } from "./fixtures";
import { useRecorder, viaRecorder } from "../support/recorder-context";

const recorderOf = useRecorder({ status: 202, body: "" });

/** The request's JSON body, gunzipped when it is sent with `Content-Encoding: gzip`. */
const json = <T>(r: OutboundRequest) =>
  JSON.parse(r.headers["content-encoding"] === "gzip" ? gunzipSync(r.body).toString("utf8") : (r.body as string)) as T;

describe("Datadog", () => {
  const config = datadog.config.parse({ apiKey: "0123456789abcdef0123456789abcdef", mlApp: "support-bot", url: "https://api.datadoghq.eu" });
  type Span = { span_id: string; parent_id: string; trace_id: string; name: string; tags: string[]; session_id?: string; meta: Record<string, unknown> };

  it("serializes start_ns and duration as exact nanosecond integers (beyond 2^53)", () => {
    const trace = outbound(sampleTrace({ timing: { start: "2026-11-26T12:34:56.789Z", end: "2026-11-26T12:34:58.012Z", duration_ms: 1223, time_to_first_token_ms: 40 } }));
    const [request] = datadog.encode!([trace], config, new Date());
    const body = request.body as string;
    const startNs = (BigInt(Date.parse("2026-11-26T12:34:56.789Z")) * 1_000_000n).toString();
    expect(startNs).toBe("1795696496789000000");
    expect(Number(startNs)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    const found = [...body.matchAll(/"start_ns":(\d+),"duration":(\d+)\}/g)].map((m) => [m[1], m[2]]);
    expect(found).toHaveLength(3);
    for (const [ns, duration] of found) {
      expect(ns).toBe(startNs);
      expect(duration).toBe("1223000000");
    }
  });

  it("nested trace → workflow root, workflow span, llm span; tags carry service, user, env and version", () => {
    const [request] = datadog.encode!([variants().nested], config, new Date());
    expect(request.url).toBe("https://api.datadoghq.eu/api/intake/llm-obs/v1/trace/spans");
    const body = json<{ data: { attributes: { ml_app: string; tags: string[]; spans: Span[] } } }>(request);
    expect(body.data.attributes).toMatchObject({ ml_app: "support-bot", tags: ["service:support-bot", "source:tracecast"] });
    const [root, span, llm] = body.data.attributes.spans;
    expect([root.meta.kind, span.meta.kind, llm.meta.kind]).toEqual(["workflow", "workflow", "llm"]);
    expect([root.name, span.name, llm.name]).toEqual(["Weather question", "Answer", "Weather LLM call"]);
    expect([root.parent_id, span.parent_id, llm.parent_id]).toEqual(["undefined", root.span_id, span.span_id]);
    expect(new Set([root.trace_id, span.trace_id, llm.trace_id])).toEqual(new Set([hexTraceId("trace-weather-001")]));
    expect(llm.tags).toEqual(["service:support-bot", "user_id:user_42", "env:production", "version:2026.11.1"]);
    expect(llm.session_id).toBe("session-7f3a");
    expect(llm.meta).toMatchObject({
      model_name: "gpt-4o-mini-2024-07-18",
      model_provider: "openai",
      input: { messages: [{ role: "system", content: "You are a helpful weather assistant." }, { role: "user", content: "What's the weather in Paris?" }] },
      output: { messages: [{ role: "assistant", content: "It is 18 °C and sunny in Paris.", tool_calls: [{ name: "get_weather", arguments: { city: "Paris" }, tool_id: "call_1", type: "function" }] }] },
      metadata: { environment: "production", temperature: 0.2, "tracecast.generation_id": "gen-nested", "sampling.rate": 1 },
    });
  });

  it("site selector: each site's API host (US5 by default); a custom URL, as stored by earlier versions, still wins", () => {
    const intake = (config: Record<string, unknown>) => datadog.encode!([variants().plain], datadog.config.parse({ apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", ...config }), new Date())[0].url;
    const hosts = { US1: "api.datadoghq.com", US3: "api.us3.datadoghq.com", US5: "api.us5.datadoghq.com", EU1: "api.datadoghq.eu", AP1: "api.ap1.datadoghq.com", AP2: "api.ap2.datadoghq.com", "US1-FED": "api.ddog-gov.com" };
    for (const [site, host] of Object.entries(hosts)) expect(intake({ site })).toBe(`https://${host}/api/intake/llm-obs/v1/trace/spans`);
    expect(intake({})).toBe("https://api.us5.datadoghq.com/api/intake/llm-obs/v1/trace/spans");
    // A destination stored with the old raw-URL setting (no `site`) resolves unchanged and keeps its target.
    const stored = datadog.config.parse(storedConfigOf({ id: "dst-old", config: { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: "https://api.datadoghq.eu/", headers: {} }, secrets: null }));
    expect(datadog.encode!([variants().plain], stored, new Date())[0].url).toBe("https://api.datadoghq.eu/api/intake/llm-obs/v1/trace/spans");
    expect(intake({ site: "AP1", url: "https://dd-proxy.example.com/dd" })).toBe("https://dd-proxy.example.com/dd/api/intake/llm-obs/v1/trace/spans");
    expect(datadog.config.safeParse({ apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", site: "US2" }).error?.issues[0].path).toEqual(["site"]);
  });

  it("env: tag from metadata.environment, else metadata.env; a tool message keeps its tool_call_id", () => {
    const request = sampleTrace().request;
    const trace = outbound(
      recent(
        sampleTrace({
          metadata: { env: "staging" },
          request: { ...request, messages: [...request.messages, { role: "tool", tool_call_id: "call_1", content: '{"temp":18}' }] },
        }),
      ),
    );
    const [request_] = datadog.encode!([trace], config, new Date());
    const spans = json<{ data: { attributes: { spans: Span[] } } }>(request_).data.attributes.spans;
    const llm = spans.find((s) => s.meta.kind === "llm")!;
    expect(llm.tags).toContain("env:staging");
    expect((llm.meta.input as { messages: unknown[] }).messages.at(-1)).toEqual({ role: "tool", content: "", tool_results: [{ result: '{"temp":18}', tool_id: "call_1", type: "tool_result" }] });
  });

  it("a plain trace is a single root llm span", () => {
    const [request] = datadog.encode!([variants().plain], config, new Date());
    const spans = json<{ data: { attributes: { spans: Span[] } } }>(request).data.attributes.spans;
    expect(spans.map((s) => [s.meta.kind, s.parent_id])).toEqual([["llm", "undefined"]]);
  });

  it("spans older than 24 h: the fresh ones are sent, the stale one alone fails permanently", async () => {
    const fresh = outbound(recent(sampleTrace({ id: "gen-fresh" })));
    const stale = outbound(recent(sampleTrace({ id: "gen-stale" }), 25 * 60 * 60 * 1000));
    const { failed } = await deliverTraces(datadog, [fresh, stale], { ...config, url: recorderOf().url });
    expect([...failed.keys()]).toEqual([stale.delivery_id]);
    expect(failed.get(stale.delivery_id)).toMatchObject({ retryable: false, message: expect.stringMatching(/24 hours.*started at/) });
    expect(recorderOf().requests).toHaveLength(1);
    expect(recorderOf().requests[0].text).toContain("gen-fresh");
    expect(recorderOf().requests[0].text).not.toContain("gen-stale");
  });

  it("Test connection sends the synthetic trace through the same path and shows the request with the key masked", async () => {
    const result = await runDestinationTest(datadog, { ...config, url: recorderOf().url });
    expect(result).toMatchObject({ ok: true, message: "Datadog accepted the test trace (202)" });
    expect(result.request?.headers["dd-api-key"]).not.toBe("0123456789abcdef0123456789abcdef");
    expect(recorderOf().requests[0].text).toContain("Tracecast connection test");
  });
});

describe("PostHog", () => {
  const config = posthog.config.parse({ apiKey: "phc_abc", endpoint: "https://eu.i.posthog.com/" });
  type Event = { event: string; distinct_id: string; uuid: string; timestamp: string; properties: Record<string, unknown> };
  const events = (trace = variants().nested) => json<{ batch: Event[] }>(posthog.encode!([trace], config, new Date())[0]).batch;

  it("nested trace → $ai_trace, $ai_span, $ai_generation linked by ids; metadata under its own keys; timestamp = end", () => {
    const nested = variants().nested;
    const [request] = posthog.encode!([nested], config, new Date());
    expect(request.url).toBe("https://eu.i.posthog.com/batch/");
    const [trace, span, generation] = events(nested);
    expect([trace.event, span.event, generation.event]).toEqual(["$ai_trace", "$ai_span", "$ai_generation"]);
    expect(new Set([trace, span, generation].map((e) => e.properties.$ai_trace_id))).toEqual(new Set(["trace-weather-001"]));
    expect(span.properties).toMatchObject({ $ai_span_id: "gen-nested:span", $ai_span_name: "Answer", $ai_parent_id: "trace-weather-001" });
    expect(generation.distinct_id).toBe("user_42");
    // posthog-node's AI wrappers capture once the answer is in: the event time is the call's end.
    expect(new Set([trace, span, generation].map((e) => e.timestamp))).toEqual(new Set([nested.timing.end]));
    expect(generation.properties).toMatchObject({
      $ai_span_id: "gen-nested",
      $ai_span_name: "Weather LLM call",
      $ai_parent_id: "gen-nested:span",
      $ai_session_id: "session-7f3a",
      $ai_model: "gpt-4o-mini-2024-07-18",
      $ai_provider: "openai",
      $ai_input_tokens: 42,
      $ai_output_tokens: 17,
      $ai_cache_read_input_tokens: 8,
      $ai_total_cost_usd: 0.0000165,
      $ai_latency: 1.53,
      $ai_time_to_first_token: 0.31,
      $ai_stream: true,
      $ai_temperature: 0.2,
      trace_name: "Weather question",
      environment: "production",
      release: "2026.11.1",
    });
    expect(Object.keys(generation.properties).filter((k) => k.startsWith("metadata_"))).toEqual([]);
    expect(generation.properties.$process_person_profile).toBeUndefined();
    expect((generation.properties.$ai_input as unknown[]).length).toBe(2);
  });

  it("$ai_output_choices in @posthog/ai's shape: role + content parts (text, function calls)", () => {
    const [generation] = events().slice(-1);
    expect(generation.properties.$ai_output_choices).toEqual([
      {
        role: "assistant",
        content: [
          { type: "text", text: "It is 18 °C and sunny in Paris." },
          { type: "function", id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
    ]);
  });

  it("a generation right under the trace has the trace id as $ai_parent_id; metadata never overrides $ai_ properties", () => {
    const trace = outbound(recent(sampleTrace({ id: "gen-flat", metadata: { env: "staging", $ai_model: "spoofed" }, trace: { ...NO_CONTEXT, trace_id: "conv-1" } })));
    const [generation] = events(trace);
    expect(generation.properties).toMatchObject({ $ai_trace_id: "conv-1", $ai_parent_id: "conv-1", env: "staging", $ai_model: "gpt-4o-mini-2024-07-18" });
  });

  it("the batch body is gzipped with Content-Encoding: gzip, as posthog-node sends it", () => {
    const [request] = posthog.encode!([variants().nested], config, new Date());
    expect(request.headers).toMatchObject({ "content-encoding": "gzip", "content-type": "application/json" });
    expect(request.body).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(gunzipSync(request.body).toString("utf8"))).toMatchObject({ api_key: "phc_abc" });
  });

  it("without a user: distinct_id = trace id and no person profile; no $ai_trace/$ai_span without names", () => {
    const evs = events(variants().plain);
    expect(evs.map((e) => e.event)).toEqual(["$ai_generation"]);
    expect(evs[0].distinct_id).toBe("gen-plain");
    expect(evs[0].properties.$process_person_profile).toBe(false);
  });

  it("event uuids are deterministic (PostHog deduplicates retries) and distinct per event", () => {
    const trace = variants().nested;
    const first = events(trace).map((e) => e.uuid);
    expect(events(trace).map((e) => e.uuid)).toEqual(first);
    expect(new Set(first).size).toBe(3);
  });

  it("metadata nested deeper than 3 levels is truncated; unsafe trace ids are made valid", () => {
    const trace = outbound(recent(sampleTrace({ metadata: { deep: { a: { b: { c: { d: 1 } } } } }, trace: { ...NO_CONTEXT, trace_id: "conv 7/abc" } })));
    const [generation] = events(trace);
    expect(generation.properties.deep).toEqual({ a: { b: { c: "[truncated]" } } });
    expect(generation.properties.$ai_trace_id).toBe("conv_7_abc");
  });
});

describe("Opik", () => {
  const config = opik.config.parse({ apiKey: "opik_k", workspace: "acme", projectName: "support" });
  type Record_ = { id: string; trace_id?: string; parent_span_id?: string; name: string; type?: string; metadata: Record<string, unknown>; thread_id?: string; usage?: Record<string, number> };
  const nested = variants().nested;
  const encodeAll = (traces = [nested]) => {
    const [t, s] = opik.encode!(traces, config, new Date());
    return { traces: json<{ traces: Record_[] }>(t).traces, spans: json<{ spans: Record_[] }>(s).spans };
  };
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("UUIDv7 ids derived from our ids: identical on every retry, linked trace → span → llm span", () => {
    const a = encodeAll();
    expect(encodeAll()).toEqual(a);
    const [trace] = a.traces;
    const [span, llm] = a.spans;
    for (const id of [trace.id, span.id, llm.id]) expect(id).toMatch(UUID_V7);
    expect([span.trace_id, llm.trace_id]).toEqual([trace.id, trace.id]);
    expect(span.parent_span_id).toBeUndefined();
    expect(llm.parent_span_id).toBe(span.id);
    expect(trace).toMatchObject({ name: "Weather question", thread_id: "session-7f3a", metadata: { tracecast_trace_id: "trace-weather-001", user_id: "user_42", environment: "production" } });
    expect(llm).toMatchObject({ type: "llm", name: "Weather LLM call", usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59 }, metadata: { tracecast_observation_id: "gen-nested" } });
  });

  it("generations sharing a caller trace_id on the same day map to one Opik trace; others never collide", () => {
    const one = outbound(recent(sampleTrace({ id: "gen-1" }), 60_000));
    const two = outbound(recent(sampleTrace({ id: "gen-2" }), 1_000));
    if (one.timing.start.slice(0, 10) === two.timing.start.slice(0, 10)) expect(opikTraceUuid(one)).toBe(opikTraceUuid(two));
    const lone1 = outbound(recent(sampleTrace({ id: "gen-a", trace: NO_CONTEXT })));
    const lone2 = outbound(recent(sampleTrace({ id: "gen-b", trace: NO_CONTEXT })));
    expect(opikTraceUuid(lone1)).not.toBe(opikTraceUuid(lone2));
    // The UUID's timestamp is the generation's start for a lone generation.
    expect(parseInt(opikTraceUuid(lone1).replace(/-/g, "").slice(0, 12), 16)).toBe(Date.parse(lone1.timing.start));
  });
  it("keeps a caller's UUIDv7 trace id (and a UUIDv7 parent span in it); derives one for any other id", () => {
    const callerTrace = "0190A4C2-5B2E-7A3B-9C1D-2E3F4A5B6C7D";
    const callerSpan = "0190a4c2-5b2e-7a3b-8c1d-aaaaaaaaaaaa";
    const joined = outbound(recent(sampleTrace({ id: "gen-joined", trace: { ...NO_CONTEXT, trace_id: callerTrace, parent_span_id: callerSpan } })));
    const { traces, spans } = encodeAll([joined]);
    expect(traces[0].id).toBe(callerTrace.toLowerCase());
    expect(spans[0]).toMatchObject({ trace_id: callerTrace.toLowerCase(), parent_span_id: callerSpan });
    // A UUIDv4 (or any non-v7 id) cannot be an Opik id: a UUIDv7 is derived, stable across retries.
    const v4 = outbound(recent(sampleTrace({ id: "gen-v4", trace: { ...NO_CONTEXT, trace_id: "3b241101-e2bb-4255-8caf-4136c566a962", parent_span_id: callerSpan } })));
    const derived = encodeAll([v4]);
    expect(derived.traces[0].id).toMatch(UUID_V7);
    expect(derived.traces[0].id).toBe(opikTraceUuid(v4));
    expect(derived.spans[0].parent_span_id).toBeUndefined(); // the caller's span is not in the derived trace
  });

  it("input is the call's {messages, tools}; output the assistant message itself, as Opik's OpenAI integration logs them", () => {
    const { traces, spans } = encodeAll();
    const answer = { role: "assistant", content: "It is 18 °C and sunny in Paris." };
    expect((traces[0] as Record<string, unknown>).output).toMatchObject(answer);
    const llm = spans.find((s) => s.type === "llm") as Record<string, unknown>;
    expect(llm.output).toMatchObject({ ...answer, tool_calls: [{ id: "call_1", function: { name: "get_weather" } }] });
    expect((llm.input as { messages: unknown[] }).messages).toHaveLength(2);
  });
});

describe("Braintrust", () => {
  const config = braintrust.config.parse({ apiKey: "bt", projectId: "proj-1" });
  type Event = { id: string; span_id: string; root_span_id: string; span_parents?: string[]; span_attributes: { name: string; type: string }; metrics: Record<string, number>; metadata: Record<string, unknown>; input?: unknown };

  it("root task → span → llm linked by span_parents under one root_span_id; native metrics", () => {
    const events = json<{ events: Event[] }>(braintrust.encode!([variants().nested], config, new Date())[0]).events;
    expect(events.map((e) => [e.span_attributes.type, e.span_attributes.name, e.span_parents])).toEqual([
      ["task", "Weather question", undefined],
      ["task", "Answer", ["trace-weather-001"]],
      ["llm", "Weather LLM call", ["gen-nested:span"]],
    ]);
    expect(new Set(events.map((e) => e.root_span_id))).toEqual(new Set(["trace-weather-001"]));
    expect(events[1].input).toBeUndefined();
    expect(events[2].metrics).toMatchObject({ prompt_tokens: 42, completion_tokens: 17, tokens: 59, prompt_cached_tokens: 8, estimated_cost: 0.0000165 });
    expect(events[2].metrics.end - events[2].metrics.start).toBeCloseTo(1.53, 5);
    expect(events[2].metadata).toMatchObject({ user_id: "user_42", session_id: "session-7f3a", model: "gpt-4o-mini-2024-07-18", environment: "production" });
  });

  it("a plain generation is the root of its own trace", () => {
    const [event] = json<{ events: Event[] }>(braintrust.encode!([variants().plain], config, new Date())[0]).events;
    expect(event).toMatchObject({ id: "gen-plain", span_id: "gen-plain", root_span_id: "gen-plain" });
    expect(event.span_parents).toBeUndefined();
  });
});

describe("Snowflake", () => {
  const base = { account: "eac52885.us-east-1", database: "ANALYTICS", schema: "LLM", table: "TRACES", warehouse: "WH" };

  type Statement = { statement: string; bindings: Record<string, { type: string; value: string | null }>; database: string; warehouse: string };

  it("one INSERT … SELECT … FROM VALUES per batch: one tuple of 34 placeholders per row; bindings match; requestId is stable", () => {
    const config = snowflake.config.parse({ ...base, token: "pat" });
    const traces = [variants().nested, variants().plain];
    const [request] = snowflakeRequests(traces, config);
    expect(request.url).toMatch(/^https:\/\/eac52885\.us-east-1\.snowflakecomputing\.com\/api\/v2\/statements\?requestId=[0-9a-f-]{36}&retry=true$/);
    expect(snowflakeRequests(traces, config)[0].url).toBe(request.url);
    const body = json<Statement>(request);
    expect(body).toMatchObject({ database: "ANALYTICS", warehouse: "WH" });
    expect(body.statement).toMatch(/^INSERT INTO ANALYTICS\.LLM\.TRACES \(TRACE_ID, SPAN_ID, .*\)\nSELECT \$1, \$2, /);
    expect(body.statement).toContain("PARSE_JSON($28)");
    expect(body.statement).not.toContain("UNION ALL");
    const [, values] = body.statement.split("\nFROM VALUES\n");
    const tuples = values.split(",\n");
    expect(tuples).toHaveLength(3); // nested: span + generation rows, plain: generation row
    for (const tuple of tuples) expect(tuple).toBe(`(${Array(34).fill("?").join(", ")})`);
    expect(Object.keys(body.bindings)).toHaveLength((body.statement.match(/\?/g) ?? []).length);
    expect(Object.keys(body.bindings)).toHaveLength(3 * 34);
    expect(Object.values(body.bindings)).toContainEqual({ type: "TEXT", value: "trace-weather-001" });
  });

  it("timestamps are bound with an explicit offset and parsed with an explicit format; NULLs keep their column's type", () => {
    const config = snowflake.config.parse({ ...base, token: "pat" });
    const plain = variants().plain;
    const body = json<Statement>(snowflakeRequests([plain], config)[0]);
    expect(body.statement).toContain(`TO_TIMESTAMP_TZ($8, 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM')`);
    // Columns 7-9: TIMESTAMP, START_TIME, END_TIME.
    expect(body.bindings["8"]).toEqual({ type: "TEXT", value: plain.timing.start.replace("Z", "+00:00") });
    expect(body.bindings["8"].value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    // plain has no user (column 11, text) and no cost (column 25, float).
    expect(body.bindings["11"]).toEqual({ type: "TEXT", value: null });
    expect(body.bindings["25"]).toEqual({ type: "REAL", value: null });
  });

  it("a full batch stays within Snowflake's 1 MB statement limit (bound values included): larger batches are split", () => {
    const config = snowflake.config.parse({ ...base, token: "pat" });
    const prompt = { ...sampleTrace().request, messages: [{ role: "user" as const, content: "y".repeat(20_000) }] };
    const traces = Array.from({ length: 100 }, (_, i) => outbound(recent(sampleTrace({ id: `gen-${i}`, request: prompt }))));
    const requests = snowflakeRequests(traces, config);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(Buffer.byteLength(r.body as string)).toBeLessThanOrEqual(SNOWFLAKE_STATEMENT_BYTES);
    expect(requests.reduce((n, r) => n + r.traceCount, 0)).toBe(100);
  });

  it("PAT auth headers; a 422 answer becomes a permanent error quoting Snowflake", async () => {
    const config = snowflake.config.parse({ ...base, token: "pat-secret" });
    recorderOf().respond = () => ({ status: 422, body: JSON.stringify({ code: "002003", message: "SQL compilation error:\nTable 'TRACES' does not exist or not authorized." }) });
    const error = await viaRecorder(recorderOf(), (ctx) => snowflake.deliver!([variants().plain], config, ctx)).catch((e: unknown) => e);
    expect(recorderOf().requests[0].headers).toMatchObject({ authorization: "Bearer pat-secret", "x-snowflake-authorization-token-type": "PROGRAMMATIC_ACCESS_TOKEN" });
    expect(error).toMatchObject({ retryable: false, status: 422 });
    expect((error as Error).message).toBe("Snowflake refused the insert into ANALYTICS.LLM.TRACES (422): SQL compilation error: Table 'TRACES' does not exist or not authorized.");
  });

  it("key-pair auth: an RS256 JWT Snowflake can verify (iss with the key fingerprint, sub, exp ≤ 1 h)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const config = snowflake.config.parse({ ...base, authMethod: "keypair", user: "tracecast_svc", privateKey: pem });
    await viaRecorder(recorderOf(), (ctx) => snowflake.deliver!([variants().plain], config, ctx));
    const headers = recorderOf().requests[0].headers;
    expect(headers["x-snowflake-authorization-token-type"]).toBe("KEYPAIR_JWT");
    const token = String(headers.authorization).replace(/^Bearer /, "");
    expect(decodeProtectedHeader(token).alg).toBe("RS256");
    const spki = publicKey.export({ type: "spki", format: "pem" }).toString();
    const { payload } = await jwtVerify(token, await importSPKI(spki, "RS256"));
    const fingerprint = `SHA256:${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64")}`;
    expect(payload).toMatchObject({ iss: `EAC52885.TRACECAST_SVC.${fingerprint}`, sub: "EAC52885.TRACECAST_SVC" });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(3600);
  });

  it("config: account pattern, auth-specific requirements and a readable private key are enforced", () => {
    const fields = (input: Record<string, unknown>) => (snowflake.config.safeParse(input).error?.issues ?? []).map((i) => i.path.join("."));
    expect(fields({ account: "bad account!", token: "t" })).toEqual(["account"]);
    expect(fields({ account: "acme-prod" })).toEqual(["token"]);
    expect(fields({ account: "acme-prod", authMethod: "keypair" })).toEqual(["user", "privateKey"]);
    expect(fields({ account: "acme-prod", authMethod: "keypair", user: "u", privateKey: "not a key" })).toEqual(["privateKey"]);
    expect(snowflake.config.parse({ account: "acme-prod", token: "t" })).toMatchObject({ database: "SNOWFLAKE_LEARNING_DB", schema: "PUBLIC", table: "OPENROUTER_TRACES", warehouse: "COMPUTE_WH" });
    expect(jwtAccount("myorg-myaccount")).toBe("MYORG-MYACCOUNT");
    expect(snowflake.setupSql!(snowflake.config.parse({ ...base, token: "t" }))).toMatch(/^CREATE TABLE IF NOT EXISTS ANALYTICS\.LLM\.TRACES \([\s\S]*METADATA VARIANT NOT NULL[\s\S]*PRIMARY KEY \(TRACE_ID, SPAN_ID\)\n\);$/);
  });
});

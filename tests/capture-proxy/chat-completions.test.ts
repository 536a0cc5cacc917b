// The capture proxy end to end: the official openai client → Tracecast's route handler over real
// HTTP → a local OpenAI-compatible upstream; then the trace stored in the database.
import OpenAI, { APIError } from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { describe, expect, it, vi } from "vitest";
import { settleAfterResponseWork } from "@/lib/api/after-response";
import { driver } from "@/lib/db";
import { MAX_TRACED_BODY_BYTES } from "@/lib/capture-proxy/forward";
import { costOf } from "@/lib/capture-proxy/prices";
import { settleProxyTraces } from "@/lib/capture-proxy/trace";
import { createUpstream } from "@/lib/capture-proxy/upstreams";
import { DEFAULT_REPLY, startOpenAiUpstream } from "../receivers/openai-upstream";
import { createTestWorkspace, storedTraces, useProxyFixture } from "../support/direct-routes";

const STORED_KEY = "sk-stored-provider-key-0123456789";
const WEATHER_TOOL = {
  type: "function" as const,
  function: { name: "get_weather", description: "Current weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

const fx = useProxyFixture("proxy", STORED_KEY);

async function readAll(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return new Response(body).text();
}

describe("non-streamed chat completion", () => {
  const params = {
    model: "openai/gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a weather assistant." },
      { role: "user", content: "Weather in Paris?" },
    ],
    tools: [WEATHER_TOOL],
    temperature: 0.2,
    max_tokens: 256,
    top_p: 0.9,
    stop: ["\n\n"],
    user: "user_42",
    session_id: "session-body",
    trace: { trace_id: "trace-001", trace_name: "Weather", generation_name: "Answer", environment: "production", feature: "weather" },
  } as unknown as ChatCompletionCreateParamsNonStreaming;

  it("returns exactly the upstream's body and headers, and the upstream never sees trace or session_id", async () => {
    const response = await fx.client.chat.completions.create(params).asResponse();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(fx.upstream.sentBodies[0]);
    expect(response.headers.get("x-request-id")).toBe("req_1");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("4999");

    const [received] = fx.upstream.received;
    expect(received.path).toBe("/v1/chat/completions");
    expect(received.headers.authorization).toBe(`Bearer ${STORED_KEY}`);
    expect(received.body).not.toHaveProperty("trace");
    expect(received.body).not.toHaveProperty("session_id");
    expect(received.body).toMatchObject({ model: "gpt-4o-mini", user: "user_42", temperature: 0.2, max_tokens: 256, tools: [WEATHER_TOOL] });
  });

  it("stores the traces of calls answered close together in one commit, not one commit each", async () => {
    // A window no machine's scheduling can outlast, so the test does not depend on timing.
    process.env.TRACECAST_PROXY_RECORD_LINGER_MS = "3000";
    const statements = vi.spyOn(driver, "query");
    try {
      const calls = 4;
      await Promise.all(Array.from({ length: calls }, () => fx.client.chat.completions.create(params)));
      await settleProxyTraces();
      expect((await storedTraces(fx.ws.ctx.workspace.id)).length).toBe(calls);
      expect(statements.mock.calls.filter(([sql]) => sql.includes('INSERT INTO "TracePayload"'))).toHaveLength(1);
    } finally {
      statements.mockRestore();
      delete process.env.TRACECAST_PROXY_RECORD_LINGER_MS;
    }
  });

  it("has the recording finished once the server's after-response work is settled (so a shutdown does not lose it)", async () => {
    await fx.client.chat.completions.create(params);
    await settleAfterResponseWork();
    expect(await storedTraces(fx.ws.ctx.workspace.id)).toHaveLength(1);
  });

  it("records the call: request, parameters, response, usage, cost, session and metadata", async () => {
    fx.upstream.reply = { ...DEFAULT_REPLY, usage: { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200 } };
    const completion = await fx.client.chat.completions.create(params, { headers: { "x-session-id": "session-header" } });
    const trace = await fx.onlyTrace();

    expect(trace).toMatchObject({
      model: "openai/gpt-4o-mini",
      provider: "OpenAI",
      stream: false,
      status: "ok",
      error: null,
      finish_reason: "stop",
      user: "user_42",
      // The body's session_id wins over the x-session-id header (the ingest API's rule).
      session_id: "session-body",
      trace: { trace_id: "trace-001", trace_name: "Weather", generation_name: "Answer" },
      metadata: { environment: "production", feature: "weather" },
      api_key_name: "Proxy tests",
      usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500, cached_tokens: 200, reasoning_tokens: 0 },
      response: { id: completion.id, model: "gpt-4o-mini-2024-08-06", messages: [{ role: "assistant", content: "Hello from the upstream." }] },
    });
    expect(trace.request.messages).toEqual(params.messages);
    expect(trace.request.tools).toEqual([WEATHER_TOOL]);
    expect(trace.request.parameters).toEqual({ temperature: 0.2, max_tokens: 256, top_p: 0.9, stop: '["\\n\\n"]' });
    // gpt-4o-mini: $0.15 / 1M input, $0.075 / 1M cached input, $0.60 / 1M output.
    const expectedInput = (800 * 0.15 + 200 * 0.075) / 1e6;
    expect(trace.cost.input).toBeCloseTo(expectedInput, 12);
    expect(trace.cost.output).toBeCloseTo((500 * 0.6) / 1e6, 12);
    expect(trace.cost.total).toBeCloseTo(costOf(["gpt-4o-mini"], { input_tokens: 1000, output_tokens: 500, cached_tokens: 200 })!.total, 12);
    expect(trace.timing.time_to_first_token_ms).toBeNull();
    expect(Date.parse(trace.timing.end)).toBeGreaterThanOrEqual(Date.parse(trace.timing.start));
  });

  it("records the calling app: the openai client's User-Agent, X-Title and HTTP-Referer, the upstream's origin, the proxy as source", async () => {
    await fx.client.chat.completions.create(params, { headers: { "x-title": "Weather app", "http-referer": "https://weather.example/" } });
    const trace = await fx.onlyTrace();
    expect(trace).toMatchObject({ app: { name: "Weather app", url: "https://weather.example/" }, source: "proxy", upstream: new URL(fx.upstream.url).origin });
    // What the official client sends as its User-Agent ("OpenAI/JS <version>").
    expect(trace.user_agent).toBe(fx.upstream.received[0].headers["user-agent"]);
    expect(trace.user_agent).toMatch(/^OpenAI\/JS \d/);
  });

  it("takes the session from x-session-id when the body has none, and leaves cost empty for unknown models", async () => {
    await fx.client.chat.completions.create(
      { model: "openai/my-finetune", messages: [{ role: "user", content: "Hi" }] },
      { headers: { "x-session-id": "session-header" } },
    );
    const trace = await fx.onlyTrace();
    expect(trace.session_id).toBe("session-header");
    expect(trace.cost).toEqual({ input: null, output: null, total: null });
    expect(fx.upstream.received[0].body.model).toBe("my-finetune");
  });
});

describe("streamed chat completion", () => {
  const base = { model: "openai/gpt-4o", messages: [{ role: "user" as const, content: "Weather in Paris and Lyon?" }], tools: [WEATHER_TOOL], stream: true as const };
  const withToolCalls = {
    content: [],
    toolCalls: [
      { id: "call_paris", name: "get_weather", argumentParts: ['{"ci', 'ty": "Pa', 'ris"}'] },
      { id: "call_lyon", name: "get_weather", argumentParts: ['{"city"', ': "Lyon"}'] },
    ],
    usage: { prompt_tokens: 80, completion_tokens: 30, reasoning_tokens: 0 },
    firstChunkDelayMs: 60,
    chunkDelayMs: 5,
  };

  it("relays every chunk in order and removes only the usage chunk the caller did not ask for", async () => {
    const response = await fx.client.chat.completions.create(base).asResponse();
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // No compressor or reverse proxy between Tracecast and the caller may hold the stream back.
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const body = await readAll(response.body);

    // The proxy asked for usage on the caller's behalf…
    expect(fx.upstream.received[0].body.stream_options).toEqual({ include_usage: true });
    const sent = fx.upstream.sentEvents[0];
    const usageEvents = sent.filter((e) => e.includes('"choices":[]'));
    expect(usageEvents).toHaveLength(1);
    // …and the caller gets every other byte, in order.
    expect(body).toBe(sent.filter((e) => e !== usageEvents[0]).join(""));
  });

  it("delivers each chunk as the upstream sends it, not at the end of the stream", async () => {
    fx.upstream.reply = { content: ["one", "two", "three", "four", "five"], chunkDelayMs: 120 };
    for (const streamOptions of [undefined, { include_usage: true }]) {
      const started = performance.now();
      const arrivals: number[] = [];
      const stream = await fx.client.chat.completions.create({ ...base, ...(streamOptions ? { stream_options: streamOptions } : {}) });
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
      expect(arrivals).toHaveLength(5);
      // Chunks 120 ms apart at the upstream arrive about 120 ms apart, whether or not the proxy strips usage.
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i] - arrivals[i - 1]).toBeGreaterThan(60);
    }
  });

  it("passes the usage chunk through when the caller asked for it", async () => {
    const response = await fx.client.chat.completions.create({ ...base, stream_options: { include_usage: true } }).asResponse();
    expect(await readAll(response.body)).toBe(fx.upstream.sentEvents[0].join(""));
  });

  it("gives the SDK the upstream's chunks and records the assembled tool calls, usage and time to first token", async () => {
    fx.upstream.reply = withToolCalls;
    const chunks: ChatCompletionChunk[] = [];
    const stream = await fx.client.chat.completions.create({ ...base, session_id: "s-stream", trace: { trace_name: "Stream" } } as ChatCompletionCreateParamsStreaming);
    for await (const chunk of stream) chunks.push(chunk);

    const upstreamChunks = fx.upstream.sentEvents[0]
      .map((e) => e.slice("data: ".length).trim())
      .filter((d) => d !== "[DONE]")
      .map((d) => JSON.parse(d) as ChatCompletionChunk)
      .filter((c) => c.choices.length > 0);
    expect(chunks).toEqual(upstreamChunks);

    const trace = await fx.onlyTrace();
    expect(trace).toMatchObject({
      model: "openai/gpt-4o",
      stream: true,
      status: "ok",
      finish_reason: "tool_calls",
      session_id: "s-stream",
      trace: { trace_name: "Stream" },
      usage: { input_tokens: 80, output_tokens: 30, total_tokens: 110 },
      response: {
        id: chunks[0].id,
        model: "gpt-4o-2024-08-06",
        messages: [
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_paris", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } },
              { id: "call_lyon", type: "function", function: { name: "get_weather", arguments: '{"city": "Lyon"}' } },
            ],
          },
        ],
      },
    });
    expect(trace.request.tools).toEqual([WEATHER_TOOL]);
    expect(trace.cost.total).toBeCloseTo((80 * 2.5 + 30 * 10) / 1e6, 12);
    // The first tool-call delta comes after the 60 ms pause, and before the stream ends.
    expect(trace.timing.time_to_first_token_ms).toBeGreaterThanOrEqual(55);
    expect(trace.timing.time_to_first_token_ms).toBeLessThanOrEqual(trace.timing.duration_ms);
  });

  it("joins content deltas into the recorded answer", async () => {
    const stream = await fx.client.chat.completions.create(base);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from the upstream.");
    const trace = await fx.onlyTrace();
    expect(trace.response.messages).toEqual([{ role: "assistant", content: "Hello from the upstream." }]);
    expect(trace.finish_reason).toBe("stop");
    expect(trace.usage.input_tokens).toBe(DEFAULT_REPLY.usage!.prompt_tokens);
  });

  it("aborts the upstream request when the caller disconnects mid-stream, and traces the call as cut short", async () => {
    fx.upstream.reply = { content: Array.from({ length: 50 }, (_, i) => `word${i} `), chunkDelayMs: 40 };
    const controller = new AbortController();
    const stream = await fx.client.chat.completions.create(base, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    controller.abort();
    await expect.poll(() => fx.upstream.abortedRequests, { timeout: 3000 }).toBe(1);
    // The upstream stopped well before its 50 words.
    expect(fx.upstream.sentEvents[0].length).toBeLessThan(20);
    const trace = await fx.onlyTrace();
    expect(trace.status).toBe("error");
    expect(trace.error?.message).toMatch(/caller closed the connection/);
  });
});

describe("upstream failures", () => {
  it("returns a 429 unchanged (status, body, retry-after) and traces it as an error", async () => {
    const body = { error: { message: "Rate limit reached for gpt-4o", type: "requests", param: null, code: "rate_limit_exceeded" } };
    fx.upstream.failNext({ status: 429, body, headers: { "retry-after": "7", "x-ratelimit-remaining-requests": "0" } });
    const err = await fx.client.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    const apiError = err as APIError;
    expect(apiError.status).toBe(429);
    expect(apiError.error).toEqual(body.error);
    expect(apiError.headers?.get("retry-after")).toBe("7");
    expect(apiError.headers?.get("x-ratelimit-remaining-requests")).toBe("0");

    const trace = await fx.onlyTrace();
    expect(trace.status).toBe("error");
    expect(trace.error).toEqual({ message: "Rate limit reached for gpt-4o", code: "rate_limit_exceeded", status: 429 });
  });

  it("returns a 500 with a non-JSON body byte for byte", async () => {
    fx.upstream.failNext({ status: 500, body: "upstream exploded" });
    const response = await fetch(`${fx.proxy.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${fx.ws.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }], stream: true }),
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("upstream exploded");
    const trace = await fx.onlyTrace();
    expect(trace).toMatchObject({ status: "error", stream: true, error: { message: "upstream exploded", status: 500 } });
  });

  it("answers 502 in OpenAI's error format when the upstream cannot be reached, and traces it", async () => {
    const other = await createTestWorkspace("unreachable");
    const closed = await startOpenAiUpstream();
    await closed.close();
    await createUpstream(other.ctx, { name: "Gone", baseUrl: closed.url });
    const gone = new OpenAI({ apiKey: other.apiKey, baseURL: `${fx.proxy.url}/api/v1`, maxRetries: 0 });
    const err = (await gone.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: "api_error", code: "upstream_unreachable", param: null });
    expect((err.error as { message: string }).message).toMatch(/Could not reach the upstream 127\.0\.0\.1:\d+: ECONNREFUSED/);
    await settleProxyTraces();
    const [trace] = await storedTraces(other.ctx.workspace.id);
    expect(trace).toMatchObject({ status: "error", provider: "Gone", error: { status: 502, code: "upstream_unreachable" } });
  });
});

describe("an answer longer than the traced body cap", () => {
  it("reaches the caller whole and is recorded cut off and flagged, not as an error", async () => {
    // One content string past the cap: the kept start of the JSON ends inside it.
    const content = "a".repeat(MAX_TRACED_BODY_BYTES + 1024 * 1024);
    fx.upstream.reply = { ...DEFAULT_REPLY, content: [content] };
    const completion = await fx.client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say a lot" }] });
    expect(completion.choices[0].message.content).toHaveLength(content.length);

    const trace = await fx.onlyTrace();
    const answerBytes = Buffer.byteLength(fx.upstream.sentBodies[0]);
    expect(trace.status).toBe("ok");
    expect(trace.error).toBeNull();
    expect(trace.metadata).toMatchObject({ response_truncated: true, response_bytes: answerBytes });
    expect(trace.response?.id).toBe(completion.id);
    const recorded = trace.response?.messages[0];
    expect(recorded?.role).toBe("assistant");
    const recordedText = String(recorded?.content);
    expect(recordedText.length).toBeGreaterThan(MAX_TRACED_BODY_BYTES - 1024);
    expect(recordedText.length).toBeLessThan(content.length);
    expect(content.startsWith(recordedText)).toBe(true);
  }, 60_000);

  it("an answer within the cap is recorded whole, without the flag", async () => {
    await fx.client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    const trace = await fx.onlyTrace();
    expect(trace.metadata).not.toHaveProperty("response_truncated");
    expect(trace.response?.messages[0].content).toBe(DEFAULT_REPLY.content.join(""));
  });
});

describe("SSRF guard at connect time", () => {
  it("refuses to connect to a private upstream address once private targets are not allowed (by IP and by name)", async () => {
    const other = await createTestWorkspace("ssrf");
    const port = new URL(fx.upstream.url).port;
    // Saved while private targets were allowed (a self-hosted model server), then the operator turned that off.
    await createUpstream(other.ctx, { name: "By IP", baseUrl: `http://127.0.0.1:${port}/v1`, modelPrefix: "ip/" });
    await createUpstream(other.ctx, { name: "By name", baseUrl: `http://localhost:${port}/v1`, modelPrefix: "name/" });
    const guarded = new OpenAI({ apiKey: other.apiKey, baseURL: `${fx.proxy.url}/api/v1`, maxRetries: 0 });
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
    try {
      for (const model of ["ip/gpt-4o", "name/gpt-4o"]) {
        const err = (await guarded.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e)) as APIError;
        expect(err.status).toBe(502);
        expect(err.error).toMatchObject({ code: "upstream_blocked" });
      }
    } finally {
      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
    }
    expect(fx.upstream.received).toHaveLength(0);
  });
});

describe("routing and keys", () => {
  it("routes by the longest model prefix and strips it; the empty prefix is the default upstream", async () => {
    const other = await createTestWorkspace("routing");
    const fallback = await startOpenAiUpstream();
    try {
      await createUpstream(other.ctx, { name: "Default", baseUrl: fallback.url, modelPrefix: "" });
      await createUpstream(other.ctx, { name: "OpenAI", baseUrl: fx.upstream.url, modelPrefix: "openai/" });
      const routed = new OpenAI({ apiKey: other.apiKey, baseURL: `${fx.proxy.url}/api/v1`, maxRetries: 0 });
      await routed.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "A" }] });
      await routed.chat.completions.create({ model: "llama-3.1-8b", messages: [{ role: "user", content: "B" }] });
      expect(fx.upstream.received.map((r) => r.body.model)).toEqual(["gpt-4o"]);
      expect(fallback.received.map((r) => r.body.model)).toEqual(["llama-3.1-8b"]);
      // No stored key on the default upstream: nothing is sent, least of all the Tracecast key.
      expect(fallback.received[0].headers.authorization).toBeUndefined();
      await settleProxyTraces();
      const traces = await storedTraces(other.ctx.workspace.id);
      expect(traces.map((t) => [t.model, t.provider]).sort()).toEqual([["llama-3.1-8b", "Default"], ["openai/gpt-4o", "OpenAI"]]);
    } finally {
      await fallback.close();
    }
  });

  it("answers 400 naming model when no upstream matches", async () => {
    const err = (await fx.client.chat.completions.create({ model: "anthropic/claude-sonnet-4", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
    expect(fx.upstream.received).toHaveLength(0);
  });

  it("forwards the caller's own provider key when the upstream allows it, and refuses it otherwise", async () => {
    const other = await createTestWorkspace("passthrough");
    await createUpstream(other.ctx, { name: "BYOK", baseUrl: fx.upstream.url, modelPrefix: "byok/", apiKey: STORED_KEY, allowPassthroughKey: true });
    await createUpstream(other.ctx, { name: "Managed", baseUrl: fx.upstream.url, modelPrefix: "managed/", apiKey: STORED_KEY });
    const byok = new OpenAI({
      apiKey: other.apiKey,
      baseURL: `${fx.proxy.url}/api/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-upstream-authorization": "Bearer sk-caller-own-key" },
    });
    await byok.chat.completions.create({ model: "byok/gpt-4o", messages: [{ role: "user", content: "Hi" }] });
    expect(fx.upstream.received[0].headers.authorization).toBe("Bearer sk-caller-own-key");
    expect(fx.upstream.received[0].headers["x-upstream-authorization"]).toBeUndefined();

    const err = (await byok.chat.completions.create({ model: "managed/gpt-4o", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(403);
    expect(err.error).toMatchObject({ type: "permission_error", code: "passthrough_key_not_allowed", param: "x-upstream-authorization" });
    expect(fx.upstream.received).toHaveLength(1);
  });
});

describe("bad input", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${fx.proxy.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${fx.ws.apiKey}`, "content-type": "application/json", ...headers },
      body,
    });

  it("answers 400 in OpenAI's error format naming the missing model", async () => {
    const response = await post(JSON.stringify({ messages: [{ role: "user", content: "Hi" }] }));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: "invalid_request_error", param: "model", code: "missing_required_parameter" });
    expect(error.message).toMatch(/model/);
  });

  it("names the exact message field that is wrong", async () => {
    const response = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }, { role: "robot", content: "?" }] }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe("messages[1].role");
  });

  it("rejects invalid JSON, an invalid trace object and an oversized x-session-id without calling the upstream", async () => {
    const invalidJson = await post("{not json");
    expect(invalidJson.status).toBe(400);
    expect(((await invalidJson.json()) as { error: { code: string } }).error.code).toBe("invalid_json");

    const badTrace = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }], trace: { trace_id: "" } }));
    expect(((await badTrace.json()) as { error: { param: string } }).error.param).toBe("trace.trace_id");

    const longSession = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] }), { "x-session-id": "s".repeat(200) });
    expect(longSession.status).toBe(400);
    expect(((await longSession.json()) as { error: { param: string } }).error.param).toBe("x-session-id");
    expect(fx.upstream.received).toHaveLength(0);
  });

  it("refuses an unknown API key with 401", async () => {
    const stranger = new OpenAI({ apiKey: "tc_not_a_real_key", baseURL: `${fx.proxy.url}/api/v1`, maxRetries: 0 });
    const err = (await stranger.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(401);
    expect(fx.upstream.received).toHaveLength(0);
  });
});

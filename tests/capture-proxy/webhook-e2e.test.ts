// End to end: an OpenAI client streams through the capture proxy, the trace is queued for the
// workspace's webhook destination, a drain delivers it, and the webhook receiver gets the OTLP
// span with the usage, time to first token, session, metadata and the assembled tool calls.
import OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { afterAll, beforeAll, expect, it } from "vitest";
import { drainDestination } from "@/lib/delivery/drain";
import { settleProxyTraces } from "@/lib/capture-proxy/trace";
import { createUpstream } from "@/lib/capture-proxy/upstreams";
import { createDestinationRow, SEND_GENERATION_METADATA, startReceiver, type Receiver } from "../support/delivery";
import { startOpenAiUpstream, type OpenAiUpstream } from "../receivers/openai-upstream";
import { createTestWorkspace, serveDirectRoutes, type RouteServer } from "../support/direct-routes";

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpSpan = { name: string; attributes: { key: string; value: OtlpValue }[] };
type OtlpBody = { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };

let proxy: RouteServer;
let upstream: OpenAiUpstream;
let webhook: Receiver;

beforeAll(async () => {
  [proxy, upstream, webhook] = await Promise.all([serveDirectRoutes(), startOpenAiUpstream(), startReceiver()]);
});

afterAll(async () => {
  await Promise.all([proxy?.close(), upstream?.close(), webhook?.close()]);
});

function attributesOf(span: OtlpSpan): Record<string, unknown> {
  const value = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue));
  return Object.fromEntries(span.attributes.map((a) => [a.key, value(a.value)]));
}

it("delivers a proxied streamed call to a webhook with usage, TTFT, session, metadata and tool calls", async () => {
  const ws = await createTestWorkspace("e2e");
  await createUpstream(ws.ctx, { name: "OpenAI", baseUrl: upstream.url, modelPrefix: "openai/", apiKey: "sk-e2e-provider-key-0123456789" });
  // With the generation metadata on: the user, finish reason and cost split are asserted below.
  const destination = await createDestinationRow(ws.ctx.workspace.id, "webhook", { url: `${webhook.url}/traces`, method: "POST", headers: {} }, SEND_GENERATION_METADATA);
  upstream.reply = {
    content: [],
    toolCalls: [{ id: "call_1", name: "get_weather", argumentParts: ['{"city":', '"Paris"}'] }],
    usage: { prompt_tokens: 64, completion_tokens: 18, cached_tokens: 32 },
    firstChunkDelayMs: 40,
  };

  const client = new OpenAI({ apiKey: ws.apiKey, baseURL: `${proxy.url}/api/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "openai/gpt-4o-mini",
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    stream: true,
    session_id: "session-e2e",
    trace: { trace_name: "Weather flow", environment: "staging" },
  } as ChatCompletionCreateParamsStreaming);
  for await (const chunk of stream) void chunk;
  await settleProxyTraces();

  const result = await drainDestination(destination.id);
  expect(result).toMatchObject({ delivered: 1 });
  expect(webhook.requests).toHaveLength(1);
  const body = JSON.parse(webhook.requests[0].body) as OtlpBody;
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const generation = spans.map(attributesOf).find((a) => a["gen_ai.operation.name"] === "chat");
  expect(generation).toMatchObject({
    "gen_ai.request.model": "openai/gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-08-06",
    "gen_ai.provider.name": "OpenAI",
    "gen_ai.usage.input_tokens": 64,
    "gen_ai.usage.output_tokens": 18,
    "gen_ai.usage.cache_read.input_tokens": 32,
    "gen_ai.request.stream": true,
    "session.id": "session-e2e",
    "trace.metadata.environment": "staging",
  });
  expect(generation!["gen_ai.usage.total_cost"]).toBeCloseTo((32 * 0.15 + 32 * 0.075 + 18 * 0.6) / 1e6, 12);
  expect(generation!["gen_ai.response.time_to_first_chunk"]).toBeGreaterThanOrEqual(0.035);
  const output = JSON.parse(String(generation!["gen_ai.output.messages"])) as { parts: { type: string; name?: string; arguments?: unknown }[] }[];
  expect(output[0].parts).toContainEqual(expect.objectContaining({ type: "tool_call", name: "get_weather", arguments: { city: "Paris" } }));
});

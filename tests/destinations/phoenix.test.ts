// The Arize Phoenix destination against what Phoenix's own packages send. @arizeai/phoenix-otel's
// register({ url, apiKey, projectName }) exports to a local OTLP receiver an LLM span whose
// attributes come from @arizeai/openinference-core's helpers (what OpenInference instrumentations
// record) for the same call as the sample trace; the destination sends that trace to the same
// receiver, and the two requests are compared: URL, headers, resource and every span attribute.
import { getInputAttributes, getLLMAttributes, getMetadataAttributes, getOutputAttributes } from "@arizeai/openinference-core";
import { register } from "@arizeai/phoenix-otel";
import { SpanKind } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { tracesUrlUnder } from "@/lib/destinations/otlp-base-url";
import { getDefinition } from "@/lib/destinations/registry";
import { contentText } from "@/lib/destinations/trace-document";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver, type ReceivedRequest } from "../receivers/otlp";

const phoenix = getDefinition("phoenix")!;
const trace = outbound(sampleTrace(), 1, "dlv-phoenix");
const PROJECT = "support-bot";
const API_KEY = "phx_0123456789abcdef";

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

/** What @arizeai/phoenix-otel sends for the sample trace's call, recorded by the receiver. */
async function recordSdkRequest(): Promise<ReceivedRequest> {
  const provider = register({ url: receiver.url, apiKey: API_KEY, projectName: PROJECT, batch: false, global: false });
  const outputMessages = trace.response.messages.map((m) => ({
    role: m.role,
    content: contentText(m.content),
    toolCalls: m.tool_calls?.map((c) => ({ id: c.id ?? undefined, function: { name: c.function.name, arguments: c.function.arguments } })),
  }));
  const attributes = {
    "openinference.span.kind": "LLM",
    ...getLLMAttributes({
      provider: trace.provider!,
      modelName: trace.response.model!,
      invocationParameters: trace.request.parameters,
      inputMessages: trace.request.messages.map((m) => ({ role: m.role, content: contentText(m.content) })),
      outputMessages,
      tokenCount: { prompt: trace.usage.input_tokens, completion: trace.usage.output_tokens, total: trace.usage.total_tokens, promptDetails: { cacheRead: trace.usage.cached_tokens! } },
      tools: trace.request.tools.map((tool) => ({ jsonSchema: tool as Record<string, unknown> })),
    }),
    ...getInputAttributes({ value: JSON.stringify({ messages: trace.request.messages }), mimeType: "application/json" as never }),
    ...getOutputAttributes({ value: "It is 18 °C and sunny in Paris.", mimeType: "text/plain" as never }),
    ...getMetadataAttributes(trace.metadata),
    "session.id": trace.session_id!,
    "user.id": trace.user!,
  };
  const span = provider.getTracer("phoenix-sdk-golden").startSpan(trace.trace.generation_name!, { kind: SpanKind.CLIENT, attributes, startTime: new Date(trace.timing.start) });
  span.end(new Date(trace.timing.end));
  await provider.forceFlush();
  await provider.shutdown();
  expect(receiver.rejected).toEqual([]);
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0];
}

async function recordOurRequest(config: Record<string, unknown>, traces = [trace]): Promise<ReceivedRequest> {
  receiver.reset();
  await deliverBatch(phoenix, traces, phoenix.config.parse(config));
  expect(receiver.rejected).toEqual([]);
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0];
}

const llmSpan = (spans: DecodedSpan[]) => spans.find((s) => s.attributes["openinference.span.kind"] === "LLM")!;

describe("Arize Phoenix", () => {
  it("sends what @arizeai/phoenix-otel sends: same path, auth, content type, project and OpenInference attributes", async () => {
    const sdk = await recordSdkRequest();
    const ours = await recordOurRequest({ baseUrl: receiver.url, apiKey: API_KEY, projectName: PROJECT });

    expect(ours.path).toBe(sdk.path);
    expect(ours.path).toBe("/v1/traces");
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(ours.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(ours.headers["content-type"]).toBe(sdk.headers["content-type"]);
    expect(ours.encoding).toBe("protobuf");
    // Phoenix's collector decompresses gzip; the SDK's exporter just does not compress.
    expect([sdk.gzip, ours.gzip]).toEqual([false, true]);

    const sdkSpan = llmSpan(sdk.spans);
    const ourSpan = llmSpan(ours.spans);
    expect(ourSpan.resource["openinference.project.name"]).toBe(sdkSpan.resource["openinference.project.name"]);
    expect(ourSpan.resource["openinference.project.name"]).toBe(PROJECT);
    expect(ourSpan.name).toBe(sdkSpan.name);
    expect([ourSpan.startTimeUnixNano, ourSpan.endTimeUnixNano]).toEqual([sdkSpan.startTimeUnixNano, sdkSpan.endTimeUnixNano]);

    // Every attribute the SDK's span carries, ours carries with the same value and type.
    const missing = Object.keys(sdkSpan.attributes).filter((key) => !(key in ourSpan.attributes));
    expect(missing).toEqual([]);
    for (const [key, value] of Object.entries(sdkSpan.attributes)) {
      if (key === "llm.invocation_parameters" || key.endsWith(".tool.json_schema") || key === "metadata") {
        // JSON text: the same object, whatever the key order.
        expect(JSON.parse(ourSpan.attributes[key] as string), key).toEqual(JSON.parse(value as string));
      } else {
        expect(ourSpan.attributes[key], key).toEqual(value);
      }
    }
    // What ours adds beyond the SDK: cost, completion details, Tracecast's ids and the GenAI conventions.
    expect(ourSpan.attributes["llm.cost.total"]).toBe(trace.cost.total);
  });

  it("accepts the collector endpoint as pasted, works without an API key, and defaults the project to default", async () => {
    expect(tracesUrlUnder("https://app.phoenix.arize.com/s/acme/")).toBe("https://app.phoenix.arize.com/s/acme/v1/traces");
    expect(tracesUrlUnder("http://phoenix.internal:6006/v1/traces")).toBe("http://phoenix.internal:6006/v1/traces");
    const ours = await recordOurRequest({ baseUrl: `${receiver.url}/s/acme/v1/traces`, headers: { Authorization: "Bearer from-custom-header" } });
    expect(ours.path).toBe("/s/acme/v1/traces");
    expect(ours.headers.authorization).toBe("Bearer from-custom-header");
    expect(llmSpan(ours.spans).resource["openinference.project.name"]).toBe("default");
    const withKey = await recordOurRequest({ baseUrl: receiver.url, apiKey: API_KEY, headers: { Authorization: "Bearer not-this" } });
    expect(withKey.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("privacy mode: no message content, input or output value leaves; usage does", async () => {
    const ours = await recordOurRequest({ baseUrl: receiver.url }, [outbound(applyPrivacy(sampleTrace()))]);
    const attributes = llmSpan(ours.spans).attributes;
    const text = JSON.stringify(ours.spans);
    expect(text).not.toContain("Paris");
    expect(attributes["input.value"]).toBeUndefined();
    expect(attributes["output.value"]).toBeUndefined();
    expect(attributes["llm.token_count.total"]).toBe(59);
  });

  it("Test connection reports Phoenix's answer", async () => {
    const config = phoenix.config.parse({ baseUrl: receiver.url, apiKey: API_KEY });
    expect(await runDestinationTest(phoenix, config)).toMatchObject({ ok: true, status: 200 });
    receiver.respondWith({ status: 401, body: "Invalid token" });
    expect(await runDestinationTest(phoenix, config)).toMatchObject({ ok: false, status: 401, message: "Arize Phoenix is reachable, but rejected the test trace (401)" });
  });
});

// Real OpenTelemetry clients that nobody here wrote, sending to the real receiver over HTTP: the
// OpenTelemetry JS SDK's OTLP exporters (protobuf, and JSON with gzip), configured by code and by
// the standard environment variables the API keys screen shows (components/api-keys/otlp-settings.ts), and the official OpenTelemetry
// instrumentation of the `openai` client in an app process of its own. Then a drain delivers the
// stored trace to a webhook destination (a real local receiver), which gets model, tokens,
// messages and the span names.
import { spawn } from "node:child_process";
import { ROOT_CONTEXT, trace as otelTrace, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { OTLPTraceExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";

// The enum lives in @opentelemetry/otlp-exporter-base, not a dependency of ours: its value is the string.
type OtlpHttpJsonConfig = NonNullable<ConstructorParameters<typeof OtlpHttpJsonExporter>[0]>;
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otlpSettings } from "@/components/api-keys/otlp-settings";
import { drainDestination } from "@/lib/delivery/drain";
import { createDestinationRow, SEND_GENERATION_METADATA, startReceiver, type Receiver } from "../support/delivery";
import { createTestWorkspace, serveDirectRoutes, storedTraces, type RouteServer } from "../support/direct-routes";
import { startOpenAiUpstream, type OpenAiUpstream } from "../receivers/openai-upstream";

let server: RouteServer;
let webhook: Receiver;
let upstream: OpenAiUpstream;

beforeAll(async () => {
  [server, webhook, upstream] = await Promise.all([serveDirectRoutes(), startReceiver(), startOpenAiUpstream()]);
});
afterAll(() => Promise.all([server?.close(), webhook?.close(), upstream?.close()]));

/** A workflow span with a chat generation under it (GenAI conventions), recorded by the SDK itself. */
function recordSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "weather-bot" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("weather-bot");
  const workflow = tracer.startSpan("plan-trip", { attributes: { "session.id": "trip-1", "user.id": "user_3" } });
  const chat = tracer.startSpan(
    "chat gpt-4o",
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 33,
        "gen_ai.usage.cache_read.input_tokens": 64,
        "gen_ai.response.finish_reasons": ["tool_calls"],
        "gen_ai.input.messages": JSON.stringify([
          { role: "system", parts: [{ type: "text", content: "Plan trips." }] },
          { role: "user", parts: [{ type: "text", content: "A weekend in Lisbon?" }] },
        ]),
        "gen_ai.output.messages": JSON.stringify([
          { role: "assistant", parts: [{ type: "tool_call", id: "call_7", name: "search_flights", arguments: { to: "LIS" } }], finish_reason: "tool_calls" },
        ]),
        "trip.kind": "weekend",
      },
    },
    otelTrace.setSpan(ROOT_CONTEXT, workflow),
  );
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end();
  workflow.end();
  return memory.getFinishedSpans();
}

/** `NAME=value` lines → variables. */
const envOf = (lines: string) => Object.fromEntries(lines.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));

/** Exports through a real exporter and returns its result code (0 = SUCCESS). */
function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

type OtlpAttr = { key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number } };
type WebhookSpan = { traceId: string; spanId: string; name: string; parentSpanId?: string; attributes: OtlpAttr[] };

function webhookSpans(): WebhookSpan[] {
  return webhook.requests.flatMap((r) => (JSON.parse(r.body) as { resourceSpans: { scopeSpans: { spans: WebhookSpan[] }[] }[] }).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}
const attr = (span: WebhookSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v && (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue));
};

describe("the OpenTelemetry JS SDK's exporters", () => {
  it("OTLP/protobuf: the generation is stored with its workflow's names and delivered to a webhook", async () => {
    const ws = await createTestWorkspace("sdk-proto");
    // With the generation metadata on: the caller's user id is asserted below.
    const destination = await createDestinationRow(ws.ctx.workspace.id, "webhook", { url: `${webhook.url}/hook`, method: "POST", headers: {} }, SEND_GENERATION_METADATA);
    const spans = recordSpans();
    const exporter = new OtlpProtoExporter({ url: `${server.url}/v1/traces`, headers: { authorization: `Bearer ${ws.apiKey}` } });
    expect(await exportWith(exporter, spans)).toMatchObject({ code: 0 });
    await exporter.shutdown();

    const chat = spans.find((s) => s.name === "chat gpt-4o")!;
    const [trace] = await storedTraces(ws.ctx.workspace.id);
    expect(trace).toMatchObject({
      id: chat.spanContext().spanId,
      model: "gpt-4o",
      provider: "openai",
      usage: { input_tokens: 120, output_tokens: 33, cached_tokens: 64 },
      request: {
        messages: [
          { role: "system", content: "Plan trips." },
          { role: "user", content: "A weekend in Lisbon?" },
        ],
        parameters: { temperature: 0.2 },
      },
      response: { messages: [{ role: "assistant", tool_calls: [{ id: "call_7", function: { name: "search_flights", arguments: '{"to":"LIS"}' } }] }] },
      finish_reason: "tool_calls",
      user: "user_3",
      session_id: "trip-1",
      trace: { trace_id: chat.spanContext().traceId, trace_name: "plan-trip", generation_name: "chat gpt-4o" },
      metadata: { "trip.kind": "weekend", "service.name": "weather-bot" },
    });

    webhook.requests.length = 0;
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 1 });
    const delivered = webhookSpans();
    const generation = delivered.find((s) => attr(s, "gen_ai.operation.name") === "chat")!;
    const root = delivered.find((s) => s.name === "plan-trip")!;
    // The OpenTelemetry trace id and the generation's span id travel on unchanged.
    expect(generation.traceId).toBe(chat.spanContext().traceId);
    expect(generation.parentSpanId).toBe(root.spanId);
    expect(attr(generation, "gen_ai.request.model")).toBe("gpt-4o");
    expect(attr(generation, "gen_ai.usage.input_tokens")).toBe(120);
    expect(attr(generation, "user.id")).toBe("user_3");
    expect(JSON.parse(String(attr(generation, "gen_ai.input.messages")))).toEqual([
      { role: "system", parts: [{ type: "text", content: "Plan trips." }] },
      { role: "user", parts: [{ type: "text", content: "A weekend in Lisbon?" }] },
    ]);
  });

  it("OTLP/JSON with gzip and an x-api-key header, at /api/v1/otlp/v1/traces", async () => {
    const ws = await createTestWorkspace("sdk-json");
    const exporter = new OtlpHttpJsonExporter({
      url: `${server.url}/api/v1/otlp/v1/traces`,
      headers: { "x-api-key": ws.apiKey },
      compression: "gzip" as OtlpHttpJsonConfig["compression"],
    });
    expect(await exportWith(exporter, recordSpans())).toMatchObject({ code: 0 });
    await exporter.shutdown();
    const traces = await storedTraces(ws.ctx.workspace.id);
    expect(traces.map((t) => [t.model, t.usage.output_tokens, t.trace.trace_name])).toEqual([["gpt-4o", 33, "plan-trip"]]);
  });

  it("configured only by the environment variables the API keys screen shows; a wrong key fails the export", async () => {
    const ws = await createTestWorkspace("sdk-env");
    const exporterFrom = (env: Record<string, string>) => {
      Object.assign(process.env, env);
      try {
        return new OtlpProtoExporter();
      } finally {
        for (const name of Object.keys(env)) delete process.env[name];
      }
    };
    const shown = exporterFrom(envOf(otlpSettings(server.url, ws.apiKey).env));
    expect(await exportWith(shown, recordSpans())).toMatchObject({ code: 0 });
    // OTEL_EXPORTER_OTLP_ENDPOINT (the origin only): the exporter appends /v1/traces.
    const base = exporterFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: server.url, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${ws.apiKey}` });
    expect(await exportWith(base, recordSpans())).toMatchObject({ code: 0 });
    const wrong = exporterFrom(envOf(otlpSettings(server.url, "tc_not_a_key").env));
    expect((await exportWith(wrong, recordSpans())).code).toBe(1);
    await Promise.all([shown.shutdown(), base.shutdown(), wrong.shutdown()]);
    expect(await storedTraces(ws.ctx.workspace.id)).toHaveLength(2);
  });
});

/** Runs tests/otlp-ingest/instrumented-openai.cjs (an app process of its own) with an instrumentation, exporting to the workspace. */
function runInstrumentedApp(instrumentation: "otel" | "openinference", apiKey: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["tests/otlp-ingest/instrumented-openai.cjs", upstream.url, instrumentation], {
      env: { ...process.env, ...envOf(otlpSettings(server.url, apiKey).env) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the instrumented app exited with ${code}: ${stderr}`))));
  });
}

describe("the official OpenTelemetry instrumentation of the openai client", () => {
  it("turns an instrumented chat call into a trace named after its workflow span", async () => {
    const ws = await createTestWorkspace("instrumented");
    const output = await runInstrumentedApp("otel", ws.apiKey);
    // The chat call's span and the workflow's, in one successful export.
    expect(JSON.parse(output)).toEqual([{ code: 0, spans: 2 }]);
    expect(upstream.received.at(-1)?.body).toMatchObject({ model: "gpt-4o-mini" });
    const traces = await storedTraces(ws.ctx.workspace.id);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      model: "gpt-4o-mini",
      provider: "openai",
      usage: { input_tokens: 21, output_tokens: 4 },
      finish_reason: "stop",
      request: { parameters: { temperature: 0.3 } },
      user: "user_9",
      trace: { trace_name: "weather-workflow", generation_name: "chat gpt-4o-mini" },
      metadata: { "service.name": "weather-bot" },
    });
  });
});

describe("Arize's OpenInference instrumentation of the openai client", () => {
  it("records the messages on the span: the trace has them, and a webhook destination receives them", async () => {
    const ws = await createTestWorkspace("openinference");
    const destination = await createDestinationRow(ws.ctx.workspace.id, "webhook", { url: `${webhook.url}/openinference`, method: "POST", headers: {} });
    const output = await runInstrumentedApp("openinference", ws.apiKey);
    expect(JSON.parse(output)).toEqual([{ code: 0, spans: 2 }]);
    const reply = upstream.received.at(-1);
    expect(reply?.body).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Weather in Paris?" }] });
    const traces = await storedTraces(ws.ctx.workspace.id);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      // Asked for, from llm.invocation_parameters; the snapshot that answered is the response's model.
      model: "gpt-4o-mini",
      usage: { input_tokens: 21, output_tokens: 4 },
      request: { messages: [{ role: "user", content: "Weather in Paris?" }], parameters: { temperature: 0.3 } },
      response: { model: "gpt-4o-mini-2024-08-06", messages: [{ role: "assistant" }] },
      user: "user_9",
      trace: { trace_name: "weather-workflow" },
    });
    const answer = traces[0].response.messages[0].content;
    expect(typeof answer === "string" && answer.length > 0).toBe(true);

    webhook.requests.length = 0;
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 1 });
    const generation = webhookSpans().find((s) => attr(s, "gen_ai.operation.name") === "chat")!;
    expect(JSON.parse(String(attr(generation, "gen_ai.input.messages")))).toEqual([{ role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] }]);
    expect(JSON.parse(String(attr(generation, "gen_ai.output.messages")))).toMatchObject([{ role: "assistant", parts: [{ type: "text", content: answer }] }]);
  });
});

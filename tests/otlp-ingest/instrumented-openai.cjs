// A separate process running an instrumentation of the `openai` client, as an instrumented app would:
// OpenTelemetry's official one (@opentelemetry/instrumentation-openai, argv[3] "otel": it patches
// `openai` when it is required) or Arize's OpenInference one (@arizeai/openinference-instrumentation-openai,
// argv[3] "openinference": instrumented by hand, as its docs show). A workflow span encloses one chat call, and the spans go
// (batched, as the SDK's default processor does) to Tracecast with the OTLP/protobuf exporter configured only by the standard environment
// variables (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS).
// argv: the OpenAI-compatible upstream's base URL, the instrumentation. Prints the export result as JSON.
const { context, trace } = require("@opentelemetry/api");
const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { resourceFromAttributes } = require("@opentelemetry/resources");
const { BasicTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-base");

const exported = [];
const exporter = new OTLPTraceExporter();
const reporting = {
  export: (spans, done) => exporter.export(spans, (result) => {
    exported.push({ code: result.code, error: result.error?.message, spans: spans.length });
    done(result);
  }),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush(),
};
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "weather-bot" }),
  spanProcessors: [new BatchSpanProcessor(reporting)],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
const which = process.argv[3] ?? "otel";
let OpenAI;
if (which === "otel") {
  const { OpenAIInstrumentation } = require("@opentelemetry/instrumentation-openai");
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  // Required after enable(): the instrumentation patches the module as it loads.
  OpenAI = require("openai").OpenAI;
} else if (which === "openinference") {
  const { OpenAIInstrumentation } = require("@arizeai/openinference-instrumentation-openai");
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
  OpenAI = require("openai").OpenAI;
  instrumentation.manuallyInstrument(OpenAI);
} else {
  throw new Error(`unknown instrumentation "${which}"`);
}

async function main() {
  const client = new OpenAI({ apiKey: "sk-upstream-test", baseURL: process.argv[2], maxRetries: 0 });
  const tracer = trace.getTracer("weather-bot");
  await tracer.startActiveSpan("weather-workflow", async (span) => {
    span.setAttribute("user.id", "user_9");
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Weather in Paris?" }], temperature: 0.3 });
    span.end();
  });
  await provider.forceFlush();
  await provider.shutdown();
  process.stdout.write(JSON.stringify(exported));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

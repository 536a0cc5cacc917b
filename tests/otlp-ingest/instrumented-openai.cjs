// A separate process running the official OpenTelemetry instrumentation of the `openai` client
// (@opentelemetry/instrumentation-openai), as an instrumented app would: the instrumentation
// patches `openai` when it is required, a workflow span encloses one chat call, and the spans go
// (batched, as the SDK's default processor does) to Tracecast with the OTLP/protobuf exporter configured only by the standard environment
// variables (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS).
// argv: the OpenAI-compatible upstream's base URL. Prints the export result as JSON.
const { context, trace } = require("@opentelemetry/api");
const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { OpenAIInstrumentation } = require("@opentelemetry/instrumentation-openai");
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
const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
instrumentation.setTracerProvider(provider);
instrumentation.enable();

// Required after enable(): the instrumentation patches the module as it loads.
const { OpenAI } = require("openai");

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

// OpenTelemetry Collector (or any OTLP/HTTP receiver: SigNoz, Axiom, Honeycomb, Jaeger…): traces
// POSTed to the endpoint exactly as given, OTLP/JSON by default like OpenRouter, or OTLP/protobuf.
import { z } from "zod";
import { defineDestination, field } from "./define";
import { otlpRequests } from "./otlp";

export default defineDestination({
  type: "otel-collector",
  name: "OpenTelemetry Collector",
  category: "APM & tracing",
  description: "OTLP/HTTP traces with GenAI semantic conventions to any OpenTelemetry-compatible endpoint.",
  docsUrl: "https://opentelemetry.io/docs/specs/otlp/#otlphttp",
  config: z.object({
    endpoint: field.url("Endpoint", {
      help: "The full OTLP/HTTP traces URL, including the path (usually /v1/traces). Requests go to it exactly as given.",
      placeholder: "https://otel.example.com:4318/v1/traces",
    }),
    serviceName: field.serviceName(),
    headers: field.headers(),
    encoding: field
      .select("Encoding", ["json", "protobuf"], {
        labels: { json: "OTLP/JSON", protobuf: "OTLP/protobuf" },
        help: "Most collectors accept both; protobuf is smaller.",
      })
      .default("json"),
  }),
  maxBatch: 100,
  encode: (traces, config) => otlpRequests(traces, { url: config.endpoint, encoding: config.encoding, headers: config.headers, serviceName: config.serviceName }),
});

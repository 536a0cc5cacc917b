// What the API keys screen shows for sending OpenTelemetry traces (docs/otlp.md): the exporter
// settings and OpenRouter's OpenTelemetry Collector destination, for this server's origin.
// tests/otlp-ingest uses these very settings to configure real exporters.

/** The OTLP/HTTP traces path: what exporters append to a base endpoint (also /api/v1/otlp/v1/traces). */
export const OTLP_TRACES_PATH = "/v1/traces";

/** Stands for the key in what the screen shows (the secret is shown only once, when created). */
export const API_KEY_PLACEHOLDER = "YOUR_TRACECAST_API_KEY";

export type OtlpSettings = {
  endpoint: string;
  /** Standard OpenTelemetry exporter environment variables, one `NAME=value` a line. */
  env: string;
  /** OpenRouter › Broadcast › OpenTelemetry Collector: its Endpoint and Headers fields. */
  openRouter: { endpoint: string; headers: string };
};

export function otlpSettings(origin: string, apiKey = API_KEY_PLACEHOLDER): OtlpSettings {
  const endpoint = `${origin.replace(/\/+$/, "")}${OTLP_TRACES_PATH}`;
  return {
    endpoint,
    env: [
      `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${endpoint}`,
      // Some SDKs default to gRPC, which Tracecast does not serve.
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf",
      `OTEL_EXPORTER_OTLP_HEADERS=x-api-key=${apiKey}`,
    ].join("\n"),
    openRouter: { endpoint, headers: JSON.stringify({ "x-api-key": apiKey }) },
  };
}

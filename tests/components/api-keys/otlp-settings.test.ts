import { describe, expect, it } from "vitest";
import { API_KEY_PLACEHOLDER, otlpSettings } from "@/components/api-keys/otlp-settings";

// tests/otlp-ingest proves these settings work with real exporters and OpenRouter's body; this
// checks what the screen shows for a given origin.
describe("the OTLP settings the API keys screen shows", () => {
  it("builds the endpoint from the origin (a trailing slash is not doubled) and keeps the key a placeholder", () => {
    const settings = otlpSettings("https://traces.example.com/");
    expect(settings.endpoint).toBe("https://traces.example.com/v1/traces");
    expect(settings.env.split("\n")).toEqual([
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=https://traces.example.com/v1/traces",
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf",
      `OTEL_EXPORTER_OTLP_HEADERS=x-api-key=${API_KEY_PLACEHOLDER}`,
    ]);
    expect(settings.openRouter).toEqual({ endpoint: "https://traces.example.com/v1/traces", headers: `{"x-api-key":"${API_KEY_PLACEHOLDER}"}` });
  });
});

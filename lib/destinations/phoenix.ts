// Arize Phoenix (self-hosted, or Phoenix Cloud at https://app.phoenix.arize.com/s/{space}): its
// OTLP/HTTP collector at `{baseUrl}/v1/traces`, OTLP/protobuf, spans in the OpenInference
// conventions it reads (shared with Arize AX: openinference.ts), the project as the resource
// attribute `openinference.project.name`, the API key as `Authorization: Bearer` — what
// @arizeai/phoenix-otel's register({ url, apiKey, projectName }) sends (compared field by field in
// tests/destinations/phoenix.test.ts). Gzipped: Phoenix's collector decompresses `Content-Encoding: gzip`.
// https://arize.com/docs/phoenix/tracing/how-to-tracing/setup-tracing/setup-using-phoenix-otel
// https://arize-ai.github.io/phoenix/functions/_arizeai_phoenix-otel.register.register.html
import { z } from "zod";
import { defineDestination, field } from "./define";
import { openInferenceProfile } from "./openinference";
import { platformOtlpRequests } from "./otlp";
import { tracesUrlUnder } from "./otlp-base-url";

export default defineDestination({
  type: "phoenix",
  name: "Arize Phoenix",
  category: "LLM observability",
  description: "LLM spans in OpenInference format for a self-hosted Phoenix or Phoenix Cloud: traces, sessions, evals.",
  docsUrl: "https://arize.com/docs/phoenix/tracing/how-to-tracing/setup-tracing/setup-using-phoenix-otel",
  config: z.object({
    baseUrl: field.url("Base Url", {
      help: "Phoenix Cloud: your space's hostname, https://app.phoenix.arize.com/s/{space}. Self-hosted: where Phoenix listens (port 6006 by default).",
      placeholder: "https://app.phoenix.arize.com/s/your-space",
    }),
    apiKey: field.secret("Api Key", { help: "A Phoenix API key (Settings › API Keys). Leave blank for a self-hosted Phoenix without authentication." }).optional(),
    projectName: field.text("Project Name", { help: "The Phoenix project that receives the traces (created on first use).", max: 256 }).default("default"),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      // Phoenix shows its collector endpoint with the path: either form works.
      url: tracesUrlUnder(config.baseUrl),
      profile: openInferenceProfile(config.projectName),
      auth: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
    }),
});

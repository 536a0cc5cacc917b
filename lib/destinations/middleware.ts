// Middleware (middleware.io): its OTLP/HTTP endpoint on the account's own host,
// `https://{uid}.middleware.io:443/v1/traces`, OTLP/protobuf, gzip, with the account's API key
// (MW_API_KEY, the key of Middleware's agents) as the bare value of the `authorization` header.
// https://docs.middleware.io/open-telemetry/otel-getting-started
import { z } from "zod";
import { defineDestination, field } from "./define";
import { platformOtlpRequests } from "./otlp";
import { tracesUrlUnder } from "./otlp-base-url";

export default defineDestination({
  type: "middleware",
  name: "Middleware",
  category: "APM & tracing",
  description: "Traces with GenAI attributes to Middleware's OTLP endpoint for APM and LLM observability.",
  docsUrl: "https://docs.middleware.io/open-telemetry/otel-getting-started",
  config: z.object({
    baseUrl: field.url("Middleware URL", {
      help: "Your account's URL, https://{uid}.middleware.io (shown in Installation). The full …/v1/traces endpoint works too.",
      placeholder: "https://abc123.middleware.io",
    }),
    accountKey: field.secret("Account Key", {
      help: "The API key of your account (MW_API_KEY in Middleware's installation steps).",
      pattern: /^\S+$/,
      patternMessage: "Account Key must be the key alone, without spaces",
    }),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: tracesUrlUnder(config.baseUrl),
      auth: { authorization: config.accountKey },
    }),
});

// Ramp (AI usage tracking): OpenRouter's 17th destination. Ramp's OpenRouter integration takes the
// same OTLP traces as an OpenTelemetry collector (model, provider, tokens, cost, timing under the
// GenAI conventions; user.id, session.id, trace.metadata.*), authenticated with the API key the
// integration generates in Ramp (Settings › Integrations › OpenRouter › Generate API Key).
// Neither Ramp's nor OpenRouter's public docs name the request path or the auth header: the traces
// go to `{baseUrl}/v1/traces` (OTLP/HTTP's path under a base endpoint) as OTLP/JSON (OpenRouter's
// encoding for OTLP destinations) with `Authorization: Bearer <key>` (how Ramp's developer API
// takes its keys); the base URL can be changed if Ramp directs so.
// https://openrouter.ai/docs/guides/features/broadcast/ramp
import { z } from "zod";
import { defineDestination, field } from "./define";
import { joinUrl, mergeHeaders, otlpRequests } from "./otlp";

export const RAMP_DEFAULT_BASE_URL = "https://api.ramp.com/developer/v1/ai-usage/openrouter";

export default defineDestination({
  type: "ramp",
  name: "Ramp",
  category: "Spend management",
  description: "LLM usage and cost per model, provider, user and key in Ramp's AI spend tracking, as OTLP traces.",
  docsUrl: "https://openrouter.ai/docs/guides/features/broadcast/ramp",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "In Ramp: Settings › Integrations › OpenRouter › Connect › Generate API Key." }),
    baseUrl: field.url("Base Url", { help: "Only change it if Ramp tells you to." }).default(RAMP_DEFAULT_BASE_URL),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    otlpRequests(traces, {
      url: joinUrl(config.baseUrl, "/v1/traces"),
      serviceName: config.serviceName,
      encoding: "json",
      // Custom headers first, so Ramp's key wins over a stray Authorization among them.
      headers: mergeHeaders(config.headers, { authorization: `Bearer ${config.apiKey}` }),
    }),
});

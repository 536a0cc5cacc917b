// Arize AX: OTLP/HTTP to `{baseUrl}/v1/traces` with `arize-space-id` / `arize-api-key`, spans in
// the OpenInference semantic conventions Arize reads (span kind, llm.*, flattened messages,
// input/output values, session/user, metadata). The project is the resource attribute
// `openinference.project.name` (`model_id` for older Arize releases; OpenRouter's key is modelId).
// https://arize.com/docs/ax/integrations/opentelemetry/opentelemetry-arize-otel
// https://github.com/Arize-ai/openinference/blob/main/spec/semantic_conventions.md
import { z } from "zod";
import { defineDestination, field } from "./define";
import { openInferenceProfile } from "./openinference";
import { joinUrl, type OtlpProfile, platformOtlpRequests } from "./otlp";

/** OpenInference, plus the project as `model_id` for older Arize releases. */
export const arizeProfile = (projectName: string): OtlpProfile => openInferenceProfile(projectName, (attrs) => attrs.str("model_id", projectName));

export default defineDestination({
  type: "arize",
  name: "Arize AX",
  category: "LLM observability",
  description: "LLM spans in OpenInference format for Arize AX tracing, evals and monitoring.",
  docsUrl: "https://arize.com/docs/ax/integrations/opentelemetry/opentelemetry-arize-otel",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "Space settings › API Keys." }),
    spaceKey: field.secret("Space Key", { help: "The Space ID from your space settings." }),
    modelId: field.text("Project Name", { help: "The tracing project in Arize AX that receives the traces.", max: 256 }),
    baseUrl: field.url("Base Url", { help: "Change only for an on-premise Arize or another OTLP region." }).default("https://otlp.arize.com"),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: joinUrl(config.baseUrl, "/v1/traces"),
      profile: arizeProfile(config.modelId),
      auth: { "arize-space-id": config.spaceKey, "arize-api-key": config.apiKey },
    }),
});

// W&B Weave: OTLP/protobuf to `{baseUrl}/otel/v1/traces` (the docs accept protobuf only), the API
// key in `wandb-api-key`, the entity/project routing as resource attributes `wandb.entity` and
// `wandb.project`. A session becomes a Weave thread (`wandb.thread_id` + `wandb.is_turn` on the
// trace's top span). Weave reads the GenAI conventions otherwise, plus the few keys its OTel
// attribute mapping takes from elsewhere (provider, total tokens; see the generation below).
// https://docs.wandb.ai/weave/guides/tracking/otel
// https://github.com/wandb/weave/blob/master/weave/trace_server/opentelemetry/constants.py
import { z } from "zod";
import { defineDestination, field } from "./define";
import { joinUrl, type OtlpProfile, platformOtlpRequests } from "./otlp";

export function weaveProfile(entity: string, project: string): OtlpProfile {
  return {
    resource: (attrs) => attrs.str("wandb.entity", entity).str("wandb.project", project),
    span(attrs, { trace, role, isTop }) {
      if (isTop && trace.session_id) attrs.str("wandb.thread_id", trace.session_id).bool("wandb.is_turn", true);
      if (role !== "generation") return;
      attrs
        // Weave's own key: the GenAI conventions have no stable reasoning-token attribute yet.
        .int("weave.usage.reasoning_tokens", trace.usage.reasoning_tokens)
        // Weave's call attributes take the provider from `llm.provider` (gen_ai.provider.name only
        // feeds its newer GenAI columns), and its usage summary the total from `llm.usage.total_tokens`.
        .str("llm.provider", trace.provider)
        .int("llm.usage.total_tokens", trace.usage.total_tokens)
        // Weave reads no cost attribute (it prices tokens with its own table): what the caller paid
        // goes into the call's custom attributes (`wandb.attributes.*`) so it is still shown.
        .double("wandb.attributes.cost.input", trace.cost.input)
        .double("wandb.attributes.cost.output", trace.cost.output)
        .double("wandb.attributes.cost.total", trace.cost.total);
    },
  };
}

/** Entity and project names as W&B allows them (no slashes: they are joined as entity/project). */
const WANDB_NAME = /^[A-Za-z0-9_.-]+$/;

export default defineDestination({
  type: "weave",
  name: "W&B Weave",
  category: "LLM observability",
  description: "Traces in a Weights & Biases Weave project, with threads per session.",
  docsUrl: "https://docs.wandb.ai/weave/guides/tracking/otel",
  config: z.object({
    apiKey: field.secret("Api Key", { help: "From https://wandb.ai/authorize." }),
    entity: field.text("Entity", { help: "Your W&B team or user name.", pattern: WANDB_NAME, patternMessage: "Entity may only contain letters, digits, _, . and -" }),
    project: field.text("Project", { help: "The Weave project that receives the traces.", pattern: WANDB_NAME, patternMessage: "Project may only contain letters, digits, _, . and -" }),
    baseUrl: field
      .url("Base Url", { help: "Dedicated Cloud / Self-Managed: https://<your-subdomain>.wandb.io/traces" })
      .default("https://trace.wandb.ai"),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: joinUrl(config.baseUrl, "/otel/v1/traces"),
      profile: weaveProfile(config.entity, config.project),
      auth: { "wandb-api-key": config.apiKey },
    }),
});

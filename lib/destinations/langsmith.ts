// LangSmith: its OTLP endpoint (`{endpoint}/otel/v1/traces`), `x-api-key`, the project in
// `Langsmith-Project`, and `X-Tenant-Id` for org-scoped keys (the workspace). Run types come from
// `langsmith.span.kind` (llm for the generation, chain above it); LangSmith reads inputs/outputs
// from the legacy `gen_ai.prompt` / `gen_ai.completion` JSON, metadata from `langsmith.metadata.*`,
// tokens and cost from `langsmith.usage_metadata` (as its SDKs send them).
// https://docs.langchain.com/langsmith/trace-with-opentelemetry
import { z } from "zod";
import { defineDestination, field } from "./define";
import { hasContent, joinUrl, type OtlpProfile, platformOtlpRequests } from "./otlp";
import { tagsOf } from "./trace-document";
import type { OutboundTrace } from "./types";

const metadataText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * LangSmith's `usage_metadata` (tokens with their breakdowns, and the cost the caller paid): its
 * SDKs send it as the `langsmith.usage_metadata` JSON attribute; LangSmith's OTel mapping reads no
 * cost attribute otherwise and would show its own price-table estimate instead.
 */
function langsmithUsageMetadata(trace: OutboundTrace): Record<string, unknown> {
  const { usage, cost } = trace;
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    ...(usage.cached_tokens !== null ? { input_token_details: { cache_read: usage.cached_tokens } } : {}),
    ...(usage.reasoning_tokens !== null ? { output_token_details: { reasoning: usage.reasoning_tokens } } : {}),
    ...(cost.input !== null ? { input_cost: cost.input } : {}),
    ...(cost.output !== null ? { output_cost: cost.output } : {}),
    ...(cost.total !== null ? { total_cost: cost.total } : {}),
  };
}

export const langsmithProfile: OtlpProfile = {
  span(attrs, { trace, role }) {
    attrs
      .str("langsmith.span.kind", role === "generation" ? "llm" : "chain")
      .str("langsmith.metadata.user_id", trace.user)
      // LangSmith groups runs into threads by the session_id metadata key.
      .str("langsmith.metadata.session_id", trace.session_id);
    for (const [key, value] of Object.entries(trace.metadata)) attrs.str(`langsmith.metadata.${key}`, metadataText(value));
    const tags = tagsOf(trace);
    if (tags.length) attrs.str("langsmith.span.tags", tags.join(","));
    if (role !== "generation") return;
    attrs.str("gen_ai.system", trace.provider).json("langsmith.usage_metadata", langsmithUsageMetadata(trace));
    // The model metadata LangSmith's SDKs send (and its cost views group by), unless the caller set it.
    if (!("ls_model_name" in trace.metadata)) attrs.str("langsmith.metadata.ls_model_name", trace.response.model ?? trace.model);
    if (!("ls_provider" in trace.metadata)) attrs.str("langsmith.metadata.ls_provider", trace.provider);
    if (hasContent(trace.request.messages)) attrs.json("gen_ai.prompt", { messages: trace.request.messages });
    if (hasContent(trace.response.messages)) {
      attrs.json("gen_ai.completion", {
        choices: trace.response.messages.map((message, index) => ({ index, message, finish_reason: trace.finish_reason })),
      });
    }
  },
};

export default defineDestination({
  type: "langsmith",
  name: "LangSmith",
  category: "LLM observability",
  description: "Runs in a LangSmith project: llm runs with tokens, cost and messages, chains for trace and span.",
  docsUrl: "https://docs.langchain.com/langsmith/trace-with-opentelemetry",
  config: z.object({
    apiKey: field.secret("Api Key", { placeholder: "lsv2_pt_…", help: "Settings › API Keys." }),
    project: field.text("Project", { help: "Created on first use if it does not exist." }).default("main"),
    endpoint: field
      .url("Endpoint", { help: "EU: https://eu.api.smith.langchain.com · or your self-hosted LangSmith." })
      .default("https://api.smith.langchain.com"),
    workspaceId: field.text("Workspace Id", { help: "Required for org-scoped API keys: the workspace that receives the traces." }).optional(),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: joinUrl(config.endpoint, "/otel/v1/traces"),
      profile: langsmithProfile,
      auth: {
        "x-api-key": config.apiKey,
        "langsmith-project": config.project,
        ...(config.workspaceId ? { "x-tenant-id": config.workspaceId } : {}),
      },
    }),
});

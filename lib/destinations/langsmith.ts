// LangSmith: its OTLP endpoint (`{endpoint}/otel/v1/traces`), `x-api-key`, the project in
// `Langsmith-Project`, and `X-Tenant-Id` for org-scoped keys (the workspace). Run types come from
// `langsmith.span.kind` (llm for the generation, chain above it); LangSmith reads inputs/outputs
// from the legacy `gen_ai.prompt` / `gen_ai.completion` JSON, metadata from `langsmith.metadata.*`.
// https://docs.langchain.com/langsmith/trace-with-opentelemetry
import { z } from "zod";
import { defineDestination, field } from "./define";
import { hasContent, joinUrl, mergeHeaders, otlpRequests, type OtlpProfile } from "./otlp";
import { tagsOf } from "./trace-document";

const metadataText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

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
    attrs.str("gen_ai.system", trace.provider);
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
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    otlpRequests(traces, {
      url: joinUrl(config.endpoint, "/otel/v1/traces"),
      encoding: "protobuf",
      gzip: true,
      profile: langsmithProfile,
      headers: mergeHeaders(config.headers, {
        "x-api-key": config.apiKey,
        "langsmith-project": config.project,
        ...(config.workspaceId ? { "x-tenant-id": config.workspaceId } : {}),
      }),
    }),
});

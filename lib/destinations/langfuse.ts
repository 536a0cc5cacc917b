// Langfuse: its OpenTelemetry endpoint (`{baseUrl}/api/public/otel/v1/traces`), Basic auth with
// the project's public and secret keys, `x-langfuse-ingestion-version: 4` (required for direct
// OTLP exporters on Langfuse v4; the legacy /api/public/ingestion endpoint is being sunset).
// v4 ingestion is observation-centric: trace-level attributes (trace name, user, session,
// metadata, environment, release, tags) go on every span, and the trace's overall input/output
// sits on the root observation. https://langfuse.com/integrations/native/opentelemetry
//
// As Langfuse's own SDK logs an OpenAI call: no wrapper observation around the generation unless the
// caller named a span (span_name); the trace name, user, session and metadata are trace attributes.
// Input is the OpenAI messages, output the assistant message ({role, content, tool_calls}), which
// Langfuse renders as a chat. The trace id is the caller's trace_id when it already is a W3C trace id
// (Langfuse's trace ids are 32 lowercase hex digits), otherwise sha256(trace_id)[:32] (otlp/index.ts
// spanIdsOf), which is what Langfuse's SDK `create_trace_id(seed=trace_id)` gives, so the caller can
// find the trace from its own id; the original id is kept in `tracecast.trace.id`.
import { z } from "zod";
import { defineDestination, field } from "./define";
import { type Attributes, basicAuth, joinUrl, type OtlpProfile, platformOtlpRequests, type SpanContext } from "./otlp";
import { completionStartTime, costDetails, inputMessages, outputMessage, tagsOf } from "./trace-document";
import type { OutboundTrace } from "./types";

/**
 * Langfuse's usage keys: `input`/`output` exclude the cached and reasoning tokens broken out
 * beside them (Langfuse sums the non-total keys and prices each key separately).
 */
export function langfuseUsageDetails(t: OutboundTrace): Record<string, number> {
  const cached = t.usage.cached_tokens ?? 0;
  const reasoning = t.usage.reasoning_tokens ?? 0;
  return {
    input: Math.max(0, t.usage.input_tokens - cached),
    output: Math.max(0, t.usage.output_tokens - reasoning),
    total: t.usage.total_tokens,
    ...(t.usage.cached_tokens !== null ? { input_cached_tokens: cached } : {}),
    ...(t.usage.reasoning_tokens !== null ? { output_reasoning_tokens: reasoning } : {}),
  };
}

const metadataText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

function addTraceAttributes(attrs: Attributes, { trace, traceName }: SpanContext) {
  attrs.str("langfuse.trace.name", traceName).strings("langfuse.trace.tags", tagsOf(trace));
  const { environment, release } = trace.metadata;
  if (typeof environment === "string") attrs.str("langfuse.environment", environment);
  if (typeof release === "string") attrs.str("langfuse.release", release);
  for (const [key, value] of Object.entries(trace.metadata)) attrs.str(`langfuse.trace.metadata.${key}`, metadataText(value));
}

export const langfuseProfile: OtlpProfile = {
  traceSpan: false,
  span(attrs, ctx) {
    const { trace, role, isTop } = ctx;
    addTraceAttributes(attrs, ctx);
    if (role === "generation") {
      attrs
        .str("langfuse.observation.type", "generation")
        .str("langfuse.observation.model.name", trace.response.model ?? trace.model)
        .json("langfuse.observation.model.parameters", Object.keys(trace.request.parameters).length ? trace.request.parameters : undefined)
        .json("langfuse.observation.usage_details", langfuseUsageDetails(trace))
        .json("langfuse.observation.cost_details", costDetails(trace))
        .str("langfuse.observation.completion_start_time", completionStartTime(trace))
        .str("langfuse.observation.metadata.provider", trace.provider);
      if (trace.status === "error") attrs.str("langfuse.observation.level", "ERROR").str("langfuse.observation.status_message", trace.error?.message);
    } else {
      attrs.str("langfuse.observation.type", "span");
    }
    // The root observation carries the trace's input/output (v4 reads them there); the generation its own.
    if (role === "generation" || isTop) {
      attrs.json("langfuse.observation.input", inputMessages(trace)).json("langfuse.observation.output", outputMessage(trace));
    }
  },
};

export default defineDestination({
  type: "langfuse",
  name: "Langfuse",
  category: "LLM observability",
  description: "Traces, generations, usage and cost in Langfuse through its OpenTelemetry endpoint.",
  docsUrl: "https://langfuse.com/integrations/native/opentelemetry",
  config: z.object({
    secretKey: field.secret("Secret Key", {
      placeholder: "sk-lf-…",
      help: "Project settings › API Keys.",
      rules: [
        { pattern: /^pk-lf-/, forbid: true, message: "This is the Public Key (pk-lf-…): the Secret Key starts with sk-lf-" },
        { pattern: /^sk-lf-\S+$/, message: "Secret Key must start with sk-lf-" },
      ],
    }),
    publicKey: field.secret("Public Key", {
      placeholder: "pk-lf-…",
      rules: [
        { pattern: /^sk-lf-/, forbid: true, message: "This is the Secret Key (sk-lf-…): the Public Key starts with pk-lf-" },
        { pattern: /^pk-lf-\S+$/, message: "Public Key must start with pk-lf-" },
      ],
    }),
    baseUrl: field
      .url("Base URL", { help: "US: https://us.cloud.langfuse.com · EU: https://cloud.langfuse.com · JP/HIPAA regions or your self-hosted Langfuse." })
      .default("https://us.cloud.langfuse.com"),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: joinUrl(config.baseUrl, "/api/public/otel/v1/traces"),
      profile: langfuseProfile,
      auth: {
        authorization: basicAuth(config.publicKey, config.secretKey),
        "x-langfuse-ingestion-version": "4",
      },
    }),
});

// The OpenInference semantic conventions, as Arize AX and Arize Phoenix read them: span kind,
// llm.* (model, provider, tokens, cost, invocation parameters, tools), flattened input/output
// messages, input/output values, session/user, metadata and tags. The project is the resource
// attribute `openinference.project.name`.
// https://github.com/Arize-ai/openinference/blob/main/spec/semantic_conventions.md
import type { Message } from "@/lib/traces/schema";
import { hasContent, outputText, type Attributes, type OtlpProfile } from "./otlp";
import { contentText, outputMessages, tagsOf } from "./trace-document";
import type { OutboundTrace } from "./types";

/** `llm.input_messages.N.message.*` / `llm.output_messages.N.message.*`, OpenInference's flattened form. */
function addMessages(attrs: Attributes, prefix: string, messages: Message[]) {
  messages.forEach((m, i) => {
    const base = `${prefix}.${i}.message`;
    attrs.str(`${base}.role`, m.role).str(`${base}.content`, contentText(m.content)).str(`${base}.name`, m.name).str(`${base}.tool_call_id`, m.tool_call_id);
    (m.tool_calls ?? []).forEach((call, j) => {
      const callBase = `${base}.tool_calls.${j}.tool_call`;
      attrs.str(`${callBase}.id`, call.id).str(`${callBase}.function.name`, call.function.name).str(`${callBase}.function.arguments`, call.function.arguments);
    });
  });
}

function addInputOutput(attrs: Attributes, trace: OutboundTrace) {
  if (hasContent(trace.request.messages)) attrs.json("input.value", { messages: trace.request.messages }).str("input.mime_type", "application/json");
  const output = outputText(trace);
  if (output !== undefined) {
    attrs.str("output.value", output).str("output.mime_type", "text/plain");
  } else if (outputMessages(trace)) {
    // No text, only tool calls: the answer as JSON, as OpenInference instrumentations record a
    // response (output.value is what Arize lists and searches; the flattened messages carry it too).
    attrs.json("output.value", { messages: trace.response.messages }).str("output.mime_type", "application/json");
  }
}

/** OpenInference spans for `projectName`; `resource` adds what a platform reads beside the project. */
export function openInferenceProfile(projectName: string, resource?: (attrs: Attributes) => void): OtlpProfile {
  return {
    resource: (attrs) => {
      attrs.str("openinference.project.name", projectName);
      resource?.(attrs);
    },
    span(attrs, { trace, role, isTop }) {
      attrs.str("openinference.span.kind", role === "generation" ? "LLM" : "CHAIN");
      if (Object.keys(trace.metadata).length) attrs.json("metadata", trace.metadata);
      attrs.strings("tag.tags", tagsOf(trace));
      if (role !== "generation") {
        if (isTop) addInputOutput(attrs, trace);
        return;
      }
      attrs
        .str("llm.model_name", trace.response.model ?? trace.model)
        .str("llm.provider", trace.provider)
        .int("llm.token_count.prompt", trace.usage.input_tokens)
        .int("llm.token_count.completion", trace.usage.output_tokens)
        .int("llm.token_count.total", trace.usage.total_tokens)
        .int("llm.token_count.prompt_details.cache_read", trace.usage.cached_tokens)
        .int("llm.token_count.completion_details.reasoning", trace.usage.reasoning_tokens)
        .double("llm.cost.prompt", trace.cost.input)
        .double("llm.cost.completion", trace.cost.output)
        .double("llm.cost.total", trace.cost.total)
        .json("llm.invocation_parameters", Object.keys(trace.request.parameters).length ? trace.request.parameters : undefined);
      trace.request.tools.forEach((tool, i) => attrs.json(`llm.tools.${i}.tool.json_schema`, tool));
      addMessages(attrs, "llm.input_messages", trace.request.messages);
      addMessages(attrs, "llm.output_messages", trace.response.messages);
      addInputOutput(attrs, trace);
    },
  };
}

// The platform-neutral view of one trace that the native-API destinations (PostHog, Datadog, Opik,
// Braintrust, S3, ClickHouse, Snowflake) build on: the observation tree, names, content and the
// Langfuse-like trace document that S3 stores and the table rows are cut from. One definition, so
// every destination agrees on ids, names and what "no content" means.
//
// Tree (OpenRouter's documented trace → span → generation):
//   trace     id = trace.trace_id ?? generation id; name = trace_name ?? model
//   span      only when span_name is given; id = "<generation id>:span"
//   generation id = generation id; name = generation_name ?? model
// The topmost observation's parent is the caller's parent_span_id (null when absent).
// Name defaults follow OpenRouter's documentation ("default to the model name if not set").
// Content (input/output) sits on the trace and on the generation only: the named span is structural,
// and repeating the conversation on it would triple every payload.
//
// Privacy mode is applied before encoding (lib/traces/normalize.ts applyPrivacy: contents nulled, the
// conversation's shape kept). A conversation without any content left is treated as absent: content
// helpers return undefined, so no destination emits `{"messages":[]}` or `[{"role":"user","content":null}]`
// artefacts (OpenRouter likewise drops PostHog's $ai_input/$ai_output_choices in privacy mode).
import type { Message, Trace } from "@/lib/traces/schema";
import type { OutboundTrace } from "./types";

export type ObservationType = "SPAN" | "GENERATION";

export type TreeNode = { id: string; name: string; parentId: string | null };

export type TraceTree = {
  traceId: string;
  traceName: string;
  /** The caller asked for grouping: a trace_name or a shared trace_id. Platforms with an explicit root record emit one. */
  grouped: boolean;
  span: TreeNode | null;
  generation: TreeNode;
};

export function traceTree(t: Trace): TraceTree {
  const traceId = t.trace.trace_id ?? t.id;
  const rootParent = t.trace.parent_span_id ?? null;
  const span = t.trace.span_name ? { id: `${t.id}:span`, name: t.trace.span_name, parentId: rootParent } : null;
  return {
    traceId,
    traceName: t.trace.trace_name ?? t.model,
    grouped: t.trace.trace_name !== null || t.trace.trace_id !== null,
    span,
    generation: { id: t.id, name: t.trace.generation_name ?? t.model, parentId: span ? span.id : rootParent },
  };
}

function carriesContent(m: Message): boolean {
  return (
    contentText(m.content).length > 0 ||
    (typeof m.reasoning === "string" && m.reasoning.length > 0) ||
    (m.tool_calls ?? []).some((c) => (c.function.arguments ?? "").length > 0)
  );
}

/** Input messages, or undefined when none carries content (privacy mode, or nothing sent). */
export function inputMessages(t: Trace): Message[] | undefined {
  return t.request.messages.some(carriesContent) ? t.request.messages : undefined;
}

export function outputMessages(t: Trace): Message[] | undefined {
  return t.response.messages.some(carriesContent) ? t.response.messages : undefined;
}

/**
 * The answer as the platforms' OpenAI wrappers log it (Opik's and Langfuse's render it as one chat
 * message): the assistant message itself when there is one, the list when the call returned several.
 */
export function outputMessage(t: Trace): Message | Message[] | undefined {
  const output = outputMessages(t);
  return output && output.length === 1 ? output[0] : output;
}

/** Plain text of a message's content (text parts joined; non-text parts were replaced by placeholders at ingest). */
export function contentText(content: Message["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part) => (typeof part.text === "string" ? part.text : typeof part.type === "string" ? `[${part.type}]` : ""))
    .filter((s) => s.length > 0)
    .join("\n");
}

/** `metadata.tags` when it is a list of strings (Braintrust/Opik/S3 tags). */
export function tagsOf(t: Trace): string[] {
  const tags = t.metadata.tags;
  return Array.isArray(tags) ? tags.filter((x): x is string => typeof x === "string") : [];
}

/** The deployment environment the caller named: `metadata.environment`, else `metadata.env`. */
export function environmentOf(t: Trace): string | undefined {
  return [t.metadata.environment, t.metadata.env].find((v): v is string => typeof v === "string" && v !== "");
}

/** The caller's release/version: `metadata.release`. */
export function releaseOf(t: Trace): string | undefined {
  const release = t.metadata.release;
  return typeof release === "string" && release !== "" ? release : undefined;
}

export function completionStartTime(t: Trace): string | null {
  if (t.timing.time_to_first_token_ms === null) return null;
  return new Date(Date.parse(t.timing.start) + t.timing.time_to_first_token_ms).toISOString();
}

/** Drops undefined members so encoded JSON carries no empty keys. */
/**
 * The calling app and how the trace arrived (the identity and request-context switches), as
 * metadata keys named like the trace's fields; absent when switched off or not recorded.
 */
export function callerMetadata(t: Trace): { app_name?: string; app_url?: string; user_agent?: string; source?: string; upstream?: string } {
  return compact({
    app_name: t.app?.name ?? undefined,
    app_url: t.app?.url ?? undefined,
    user_agent: t.user_agent ?? undefined,
    source: t.source ?? undefined,
    upstream: t.upstream ?? undefined,
  });
}

export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type UsageDetails = { input: number; output: number; total: number; cached?: number; reasoning?: number };
export type CostDetails = { input?: number; output?: number; total?: number };

export function usageDetails(t: Trace): UsageDetails {
  return compact({
    input: t.usage.input_tokens,
    output: t.usage.output_tokens,
    total: t.usage.total_tokens,
    cached: t.usage.cached_tokens ?? undefined,
    reasoning: t.usage.reasoning_tokens ?? undefined,
  }) as UsageDetails;
}

export function costDetails(t: Trace): CostDetails | undefined {
  const c = compact({ input: t.cost.input ?? undefined, output: t.cost.output ?? undefined, total: t.cost.total ?? undefined });
  return Object.keys(c).length > 0 ? c : undefined;
}

export type DocumentObservation = {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  type: ObservationType;
  name: string;
  startTime: string;
  endTime: string;
  level: "DEFAULT" | "ERROR";
  statusMessage?: string;
  completionStartTime?: string;
  model?: string;
  provider?: string;
  modelParameters?: Record<string, string | number | boolean | null>;
  input?: { messages: Message[]; tools?: Trace["request"]["tools"] };
  output?: { messages: Message[] };
  usageDetails?: UsageDetails;
  costDetails?: CostDetails;
  finishReason?: string;
  metadata: Record<string, unknown>;
};

/** The S3 object for one trace (and the source of table rows): Langfuse-like trace + observations. */
export type TraceDocument = {
  id: string;
  name: string;
  timestamp: string;
  userId: string | null;
  sessionId: string | null;
  tags: string[];
  input?: { messages: Message[] };
  output?: { messages: Message[] };
  metadata: Record<string, unknown>;
  /** Tracecast's own facts about the delivery (not part of the caller's metadata). */
  tracecast: {
    generationId: string;
    deliveryId: string;
    apiKeyName: string | null;
    receivedAt: string;
    samplingRate: number;
    isTest: boolean;
  };
  observations: DocumentObservation[];
};

export function traceDocument(t: OutboundTrace): TraceDocument {
  const tree = traceTree(t);
  const input = inputMessages(t);
  const output = outputMessages(t);
  const level = t.status === "error" ? "ERROR" : "DEFAULT";
  const statusMessage = t.error?.message;
  const observations: DocumentObservation[] = [];
  if (tree.span) {
    observations.push(
      compact({
        id: tree.span.id,
        traceId: tree.traceId,
        parentObservationId: tree.span.parentId,
        type: "SPAN" as const,
        name: tree.span.name,
        startTime: t.timing.start,
        endTime: t.timing.end,
        level,
        statusMessage,
        metadata: {},
      }) as DocumentObservation,
    );
  }
  observations.push(
    compact({
      id: tree.generation.id,
      traceId: tree.traceId,
      parentObservationId: tree.generation.parentId,
      type: "GENERATION" as const,
      name: tree.generation.name,
      startTime: t.timing.start,
      endTime: t.timing.end,
      level,
      statusMessage,
      completionStartTime: completionStartTime(t) ?? undefined,
      model: t.response.model ?? t.model,
      provider: t.provider ?? undefined,
      modelParameters: Object.keys(t.request.parameters).length > 0 ? t.request.parameters : undefined,
      input: input ? compact({ messages: input, tools: t.request.tools.length > 0 ? t.request.tools : undefined }) : undefined,
      output: output ? { messages: output } : undefined,
      usageDetails: usageDetails(t),
      costDetails: costDetails(t),
      finishReason: t.finish_reason ?? undefined,
      metadata: compact({ requestedModel: t.model, responseId: t.response.id ?? undefined, stream: t.stream, ...t.metadata }),
    }) as DocumentObservation,
  );
  return compact({
    id: tree.traceId,
    name: tree.traceName,
    timestamp: t.timing.start,
    userId: t.user,
    sessionId: t.session_id,
    tags: tagsOf(t),
    input: input ? { messages: input } : undefined,
    output: output ? { messages: output } : undefined,
    metadata: t.metadata,
    tracecast: {
      generationId: t.id,
      deliveryId: t.delivery_id,
      apiKeyName: t.api_key_name,
      appName: t.app?.name ?? undefined,
      appUrl: t.app?.url ?? undefined,
      userAgent: t.user_agent ?? undefined,
      source: t.source ?? undefined,
      upstream: t.upstream ?? undefined,
      receivedAt: t.received_at,
      samplingRate: t.sampling_rate,
      isTest: t.is_test,
    },
    observations,
  }) as TraceDocument;
}

/**
 * The usage object of an OpenAI chat completion (Helicone's and Keywords AI's logs read this shape):
 * cached and reasoning tokens in their `*_tokens_details`, only when the trace knows them.
 */
export function openAiUsage(t: Trace): Record<string, unknown> {
  return compact({
    prompt_tokens: t.usage.input_tokens,
    completion_tokens: t.usage.output_tokens,
    total_tokens: t.usage.total_tokens,
    prompt_tokens_details: t.usage.cached_tokens !== null ? { cached_tokens: t.usage.cached_tokens } : undefined,
    completion_tokens_details: t.usage.reasoning_tokens !== null ? { reasoning_tokens: t.usage.reasoning_tokens } : undefined,
  });
}

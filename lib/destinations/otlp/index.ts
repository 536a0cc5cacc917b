// The one OTLP encoder every OTLP destination (and the webhook) shares: traces → an OTLP
// ExportTraceServiceRequest following the OpenTelemetry GenAI semantic conventions, then OTLP/JSON
// or OTLP/protobuf (protobufjs + the official .proto files), optionally gzipped, split so a
// platform's payload limit holds. Platform specifics live in each destination's `OtlpProfile`.
import { gzipSync } from "node:zlib";
import pkg from "@/package.json";
import type { Message } from "@/lib/traces/schema";
import { DeliveryError } from "../errors";
import { sha256Hex } from "@/lib/hash";
import { hexTraceId } from "../ids";
import { contentText, traceTree } from "../trace-document";
import type { OutboundRequest, OutboundTrace } from "../types";
import { exportTraceServiceRequestType } from "./proto";

// ---------------------------------------------------------------------------------------------
// OTLP/JSON shapes (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids are
// hex strings, 64-bit integers are decimal strings, enums are integers.

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };
export type KeyValue = { key: string; value: AnyValue };

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status?: { code: number; message?: string };
};

export type ExportTraceServiceRequest = {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
};

export const SERVICE_NAME = "tracecast";
export const SERVICE_VERSION: string = pkg.version;


// ---------------------------------------------------------------------------------------------
// Attributes

/** Builds a typed OTLP attribute list; empty values (null, undefined, "") are skipped. */
export class Attributes {
  readonly list: KeyValue[] = [];

  str(key: string, value: string | null | undefined): this {
    if (value != null && value !== "") this.list.push({ key, value: { stringValue: value } });
    return this;
  }
  int(key: string, value: number | null | undefined): this {
    if (value != null && Number.isFinite(value)) this.list.push({ key, value: { intValue: String(Math.trunc(value)) } });
    return this;
  }
  double(key: string, value: number | null | undefined): this {
    if (value != null && Number.isFinite(value)) this.list.push({ key, value: { doubleValue: value } });
    return this;
  }
  bool(key: string, value: boolean | null | undefined): this {
    if (value != null) this.list.push({ key, value: { boolValue: value } });
    return this;
  }
  strings(key: string, values: readonly string[] | null | undefined): this {
    if (values?.length) this.list.push({ key, value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } } });
    return this;
  }
  /** JSON-encoded string (how structured values travel as span attributes). */
  json(key: string, value: unknown): this {
    if (value !== undefined && value !== null) this.list.push({ key, value: { stringValue: JSON.stringify(value) } });
    return this;
  }
  /** A value of unknown type (custom metadata): primitives keep their type, the rest is JSON. */
  any(key: string, value: unknown): this {
    if (typeof value === "string") return this.str(key, value);
    if (typeof value === "boolean") return this.bool(key, value);
    if (typeof value === "number") return Number.isSafeInteger(value) ? this.int(key, value) : this.double(key, value);
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) return this.strings(key, value);
    return this.json(key, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Profiles: what a platform reads on top of the GenAI conventions.

/** Which of the (up to) three spans of a trace is being built. */
export type SpanRole = "trace" | "span" | "generation";

export type SpanContext = {
  trace: OutboundTrace;
  role: SpanRole;
  /** The trace's display name (caller's trace_name, else the model: traceTree's rule, shared by every destination). */
  traceName: string;
  /** Whether this span is the top of what we emit (no parent of ours above it). */
  isTop: boolean;
};

export type OtlpProfile = {
  /** Extra resource attributes (project routing). */
  resource?: (attrs: Attributes) => void;
  /** Extra attributes for one span. */
  span?: (attrs: Attributes, ctx: SpanContext) => void;
  /**
   * Whether the trace gets a root span of its own above the generation (default true). A platform
   * that builds the trace from trace-level attributes (Langfuse) says false: the root would show
   * as a wrapper observation the caller never made.
   */
  traceSpan?: boolean;
  /**
   * Prefix of the attributes that carry the caller's metadata (default "trace.metadata."). A platform
   * that shows span attributes under their own names (Sentry) says "": `env` stays `env`, and a key
   * that names an attribute already set is left out rather than replace it.
   */
  metadataPrefix?: string;
  /** Platform limits: longer strings are truncated, longer arrays cut. */
  limits?: { maxStringLength?: number; maxArrayLength?: number };
};

// ---------------------------------------------------------------------------------------------
// Ids: the caller's own when OTLP can carry them, else derived deterministically, so a repeated
// delivery merges into the same trace and spans.

const OTEL_TRACE_ID = /^[0-9a-f]{32}$/;
const OTEL_SPAN_ID = /^[0-9a-f]{16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isValidId = (id: string, re: RegExp) => re.test(id) && !/^0+$/.test(id);

/**
 * The caller's id as an OTLP trace id (16 bytes: 32 hex, not all zero; a UUID is the same 16
 * bytes), or undefined when it cannot be one.
 */
function callerTraceId(id: string | null): string | undefined {
  const lower = id?.toLowerCase();
  const hex = lower && UUID.test(lower) ? lower.replaceAll("-", "") : lower;
  return hex && isValidId(hex, OTEL_TRACE_ID) ? hex : undefined;
}

/** The caller's id as an OTLP span id (8 bytes: 16 hex, not all zero), or undefined. */
function callerSpanId(id: string | null): string | undefined {
  const lower = id?.toLowerCase();
  return lower && isValidId(lower, OTEL_SPAN_ID) ? lower : undefined;
}

export type SpanIds = { traceId: string; rootSpanId: string; spanSpanId: string; generationSpanId: string; callerParentSpanId?: string };

/**
 * Kept from the caller when valid: trace.trace_id as the trace id (so a `parent_span_id` from the
 * caller's own trace attaches there), parent_span_id as the top span's parent, and the generation
 * id as the generation's span id (unless it is that parent: a span cannot be its own parent).
 * Otherwise derived: trace id = sha256(trace.trace_id ?? generation id)[:32] (OpenRouter's observed
 * derivation), generation span id = sha256(generation id)[:16]; root and span ids hash distinct inputs.
 */
export function spanIdsOf(trace: Pick<OutboundTrace, "id" | "trace">): SpanIds {
  const traceKey = trace.trace.trace_id ?? trace.id;
  const parent = callerSpanId(trace.trace.parent_span_id);
  const ownGenerationId = callerSpanId(trace.id);
  return {
    traceId: callerTraceId(trace.trace.trace_id) ?? hexTraceId(traceKey),
    rootSpanId: sha256Hex(`tracecast:trace:${traceKey}`).slice(0, 16),
    spanSpanId: sha256Hex(`tracecast:span:${traceKey}:${trace.trace.span_name ?? ""}`).slice(0, 16),
    generationSpanId: ownGenerationId && ownGenerationId !== parent ? ownGenerationId : sha256Hex(trace.id).slice(0, 16),
    callerParentSpanId: parent,
  };
}

/** ISO timestamp → nanoseconds since the epoch, exact (beyond 2^53, hence BigInt). */
export function isoToUnixNano(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new DeliveryError("encode", `Invalid timestamp "${iso}"`, { retryable: false });
  return (BigInt(ms) * 1_000_000n).toString();
}

// ---------------------------------------------------------------------------------------------
// Messages in the GenAI semantic-convention schema (gen-ai-input-messages.json / -output-).

type Part = Record<string, unknown> & { type: string };
export type SemconvMessage = { role: string; parts: Part[]; name?: string; finish_reason?: string };

function parseArguments(args: string | undefined): unknown {
  if (args === undefined) return undefined;
  try {
    return JSON.parse(args);
  } catch {
    return args; // not JSON: keep the raw string rather than lose it
  }
}

function partsOf(message: Message): Part[] {
  const parts: Part[] = [];
  const content = message.content;
  if (message.role === "tool" || message.role === "function") {
    const hasResponse = typeof content === "string" ? content !== "" : Array.isArray(content) && content.length > 0;
    if (hasResponse) parts.push({ type: "tool_call_response", id: message.tool_call_id, response: content });
  } else if (typeof content === "string") {
    if (content !== "") parts.push({ type: "text", content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part.text === "string") {
        if (part.text !== "") parts.push({ type: "text", content: part.text });
      } else {
        parts.push(part as Part); // non-text parts (placeholders after multimodal stripping) pass as generic parts
      }
    }
  }
  if (message.reasoning) parts.push({ type: "reasoning", content: message.reasoning });
  for (const call of message.tool_calls ?? []) {
    parts.push({ type: "tool_call", id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) });
  }
  return parts;
}

/** Messages with nothing in them (privacy mode) are dropped; none left → undefined. */
export function semconvMessages(messages: Message[], finishReason?: string): SemconvMessage[] | undefined {
  const out: SemconvMessage[] = [];
  for (const m of messages) {
    const parts = partsOf(m);
    if (parts.length === 0) continue;
    out.push({
      role: m.role === "function" ? "tool" : m.role,
      parts,
      ...(m.name ? { name: m.name } : {}),
      ...(finishReason !== undefined ? { finish_reason: finishReason } : {}),
    });
  }
  return out.length ? out : undefined;
}

/** True when privacy mode (or the caller) left no message content to send. */
export function hasContent(messages: Message[]): boolean {
  return messages.some((m) => partsOf(m).length > 0);
}

/** Plain text of the assistant's answer (platforms that show one output string). */
export function outputText(trace: OutboundTrace): string | undefined {
  const text = trace.response.messages.map((m) => contentText(m.content)).filter((t) => t !== "").join("\n");
  return text === "" ? undefined : text;
}

// ---------------------------------------------------------------------------------------------
// Span building

type ParameterKind = "int" | "double" | "strings";
const REQUEST_PARAMETERS: Record<string, [string, ParameterKind]> = {
  temperature: ["gen_ai.request.temperature", "double"],
  top_p: ["gen_ai.request.top_p", "double"],
  top_k: ["gen_ai.request.top_k", "double"],
  max_tokens: ["gen_ai.request.max_tokens", "int"],
  max_completion_tokens: ["gen_ai.request.max_tokens", "int"],
  frequency_penalty: ["gen_ai.request.frequency_penalty", "double"],
  presence_penalty: ["gen_ai.request.presence_penalty", "double"],
  seed: ["gen_ai.request.seed", "int"],
  n: ["gen_ai.request.choice.count", "int"],
  stop: ["gen_ai.request.stop_sequences", "strings"],
};

function addRequestParameters(attrs: Attributes, parameters: Record<string, string | number | boolean | null>) {
  for (const [name, value] of Object.entries(parameters)) {
    const known = REQUEST_PARAMETERS[name];
    if (!known || value === null) {
      attrs.any(`gen_ai.request.${name}`, value);
    } else if (known[1] === "strings") {
      attrs.strings(known[0], [String(value)]);
    } else if (typeof value === "number") {
      if (known[1] === "int") attrs.int(known[0], value);
      else attrs.double(known[0], value);
    } else {
      attrs.any(known[0], value);
    }
  }
}

/** Attributes every span of the trace carries (identity and custom metadata). */
function addContextAttributes(attrs: Attributes, trace: OutboundTrace, callerParentSpanIdInvalid: string | undefined, metadataPrefix: string) {
  attrs.str("user.id", trace.user).str("session.id", trace.session_id);
  const taken = new Set(attrs.list.map((kv) => kv.key));
  for (const [key, value] of Object.entries(trace.metadata)) {
    if (!taken.has(`${metadataPrefix}${key}`)) attrs.any(`${metadataPrefix}${key}`, value);
  }
  if (callerParentSpanIdInvalid) attrs.str("trace.metadata.parent_span_id", callerParentSpanIdInvalid);
  if (trace.is_test) attrs.bool("tracecast.test", true);
}

/** Every generation is a chat completion (`gen_ai.operation.name`). */
const OPERATION_NAME = "chat";

/**
 * The generation span's name: the caller's generation_name, else the GenAI conventions'
 * `{gen_ai.operation.name} {gen_ai.request.model}` ("chat gpt-4o-mini"), as the SDKs name it.
 */
const generationSpanName = (trace: OutboundTrace) => trace.trace.generation_name ?? `${OPERATION_NAME} ${trace.model}`;

function addGenerationAttributes(attrs: Attributes, trace: OutboundTrace, traceName: string) {
  attrs
    .str("gen_ai.operation.name", OPERATION_NAME)
    .str("gen_ai.provider.name", trace.provider)
    .str("gen_ai.request.model", trace.model)
    .str("gen_ai.response.model", trace.response.model)
    .str("gen_ai.response.id", trace.response.id ?? trace.id)
    .strings("gen_ai.response.finish_reasons", trace.finish_reason ? [trace.finish_reason] : undefined)
    .int("gen_ai.usage.input_tokens", trace.usage.input_tokens)
    .int("gen_ai.usage.output_tokens", trace.usage.output_tokens)
    .int("gen_ai.usage.total_tokens", trace.usage.total_tokens)
    .int("gen_ai.usage.cache_read.input_tokens", trace.usage.cached_tokens)
    .int("gen_ai.usage.reasoning.output_tokens", trace.usage.reasoning_tokens)
    .double("gen_ai.usage.input_cost", trace.cost.input)
    .double("gen_ai.usage.output_cost", trace.cost.output)
    .double("gen_ai.usage.total_cost", trace.cost.total)
    .str("gen_ai.conversation.id", trace.session_id)
    .bool("gen_ai.request.stream", trace.stream);
  if (trace.timing.time_to_first_token_ms != null) attrs.double("gen_ai.response.time_to_first_chunk", trace.timing.time_to_first_token_ms / 1000);
  addRequestParameters(attrs, trace.request.parameters);
  const finishReason = trace.finish_reason ?? (trace.status === "error" ? "error" : "stop");
  attrs
    .json("gen_ai.input.messages", semconvMessages(trace.request.messages))
    .json("gen_ai.output.messages", semconvMessages(trace.response.messages, finishReason))
    .json("gen_ai.tool.definitions", trace.request.tools.length ? trace.request.tools : undefined)
    .str("trace.name", traceName)
    .str("tracecast.trace.id", trace.trace.trace_id ?? trace.id)
    .str("tracecast.generation.id", trace.id)
    .str("tracecast.api_key_name", trace.api_key_name)
    .double("sampling.rate", trace.sampling_rate);
  if (trace.status === "error") attrs.str("error.type", trace.error?.code ?? (trace.error?.status ? String(trace.error.status) : "_OTHER"));
}

/**
 * The spans of one trace: root (trace_name) → optional span (span_name) → generation. The root and
 * span names follow the product-wide tree (trace-document.ts: OpenRouter's documented "defaults to
 * the model name"); the generation's default is the GenAI conventions' (generationSpanName).
 */
export function spansOf(trace: OutboundTrace, profile: OtlpProfile = {}): OtlpSpan[] {
  const ids = spanIdsOf(trace);
  const tree = traceTree(trace);
  const traceName = tree.traceName;
  const start = isoToUnixNano(trace.timing.start);
  const end = isoToUnixNano(trace.timing.end);
  const invalidParent = trace.trace.parent_span_id && !ids.callerParentSpanId ? trace.trace.parent_span_id : undefined;

  // The caller's valid parent span takes the place of our root: the spans join the caller's trace.
  const chain: { role: SpanRole; spanId: string; name: string }[] = [];
  if (!ids.callerParentSpanId && profile.traceSpan !== false) chain.push({ role: "trace", spanId: ids.rootSpanId, name: traceName });
  if (trace.trace.span_name) chain.push({ role: "span", spanId: ids.spanSpanId, name: trace.trace.span_name });
  chain.push({ role: "generation", spanId: ids.generationSpanId, name: generationSpanName(trace) });

  return chain.map((link, index) => {
    const attrs = new Attributes();
    if (link.role === "generation") addGenerationAttributes(attrs, trace, traceName);
    addContextAttributes(attrs, trace, invalidParent, profile.metadataPrefix ?? "trace.metadata.");
    profile.span?.(attrs, { trace, role: link.role, traceName, isTop: index === 0 });
    const parentSpanId = index === 0 ? ids.callerParentSpanId : chain[index - 1].spanId;
    const span: OtlpSpan = {
      traceId: ids.traceId,
      spanId: link.spanId,
      ...(parentSpanId ? { parentSpanId } : {}),
      name: link.name,
      kind: link.role === "generation" ? SpanKind.CLIENT : SpanKind.INTERNAL,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      attributes: attrs.list,
    };
    if (trace.status === "error") span.status = { code: StatusCode.ERROR, message: trace.error?.message ?? "error" };
    return span;
  });
}

/** First `max` UTF-16 units, without splitting a surrogate pair (which would leave invalid text). */
function truncate(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function limitValue(value: AnyValue, limits: NonNullable<OtlpProfile["limits"]>): AnyValue {
  if ("stringValue" in value && limits.maxStringLength !== undefined && value.stringValue.length > limits.maxStringLength) {
    return { stringValue: truncate(value.stringValue, limits.maxStringLength) };
  }
  if ("arrayValue" in value) {
    const values = limits.maxArrayLength !== undefined ? value.arrayValue.values.slice(0, limits.maxArrayLength) : value.arrayValue.values;
    return { arrayValue: { values: values.map((v) => limitValue(v, limits)) } };
  }
  return value;
}

const applyLimits = (attributes: KeyValue[], limits: NonNullable<OtlpProfile["limits"]>) =>
  attributes.map((kv) => ({ key: kv.key, value: limitValue(kv.value, limits) }));

/**
 * A trace's `service.name`: the destination's Service name setting, else the name of the API key
 * that sent the trace (what usually names the calling application, and what APM platforms group
 * services by), else "tracecast".
 */
export const serviceNameOf = (trace: OutboundTrace, configured: string | undefined) => configured ?? trace.api_key_name ?? SERVICE_NAME;

/** Traces → one ExportTraceServiceRequest (many traces per request, one resource per service name). */
export function tracesToOtlp(traces: OutboundTrace[], profile: OtlpProfile = {}, serviceName?: string): ExportTraceServiceRequest {
  const byService = new Map<string, OutboundTrace[]>();
  for (const t of traces) {
    const service = serviceNameOf(t, serviceName);
    byService.set(service, [...(byService.get(service) ?? []), t]);
  }
  return {
    resourceSpans: [...byService].map(([service, group]) => {
      const resource = new Attributes().str("service.name", service).str("service.version", SERVICE_VERSION).str("telemetry.sdk.name", SERVICE_NAME);
      profile.resource?.(resource);
      let spans = group.flatMap((t) => spansOf(t, profile));
      let resourceAttributes = resource.list;
      if (profile.limits) {
        const limits = profile.limits;
        spans = spans.map((s) => ({ ...s, attributes: applyLimits(s.attributes, limits) }));
        resourceAttributes = applyLimits(resourceAttributes, limits);
      }
      return { resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: SERVICE_NAME, version: SERVICE_VERSION }, spans }] };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Wire encodings

/** OTLP/JSON (hex ids, int64 as strings, enums as ints): the request is already in that shape. */
export function encodeOtlpJson(request: ExportTraceServiceRequest): string {
  return JSON.stringify(request);
}

const hexBytes = (hex: string) => Buffer.from(hex, "hex");

/** OTLP/protobuf via protobufjs and the official .proto files (ids become bytes; int64 strings are read exactly). */
export function encodeOtlpProtobuf(request: ExportTraceServiceRequest): Uint8Array {
  const wire = {
    resourceSpans: request.resourceSpans.map((rs) => ({
      resource: rs.resource,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: hexBytes(s.traceId),
          spanId: hexBytes(s.spanId),
          ...(s.parentSpanId ? { parentSpanId: hexBytes(s.parentSpanId) } : {}),
        })),
      })),
    })),
  };
  return exportTraceServiceRequestType().encode(wire).finish();
}

const byteLength = (body: string | Uint8Array) => (typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);

/**
 * Encodes `items` in as few requests as fit `maxBytes`, halving a batch that is too large.
 * A single item that alone exceeds the limit cannot be delivered: a permanent encode error.
 */
export function splitBySize<T, B extends string | Uint8Array>(items: T[], encode: (batch: T[]) => B, maxBytes: number): { items: T[]; body: B }[] {
  if (items.length === 0) return [];
  const body = encode(items);
  const size = byteLength(body);
  if (size <= maxBytes) return [{ items, body }];
  if (items.length === 1) {
    throw new DeliveryError("encode", `One trace encodes to ${size} bytes, over this destination's ${maxBytes}-byte request limit`, { retryable: false });
  }
  const half = Math.ceil(items.length / 2);
  return [...splitBySize(items.slice(0, half), encode, maxBytes), ...splitBySize(items.slice(half), encode, maxBytes)];
}

export type OtlpEncoding = "json" | "protobuf";

export const OTLP_CONTENT_TYPE: Record<OtlpEncoding, string> = { json: "application/json", protobuf: "application/x-protobuf" };

export type OtlpTarget = {
  url: string;
  method?: "POST" | "PUT";
  encoding: OtlpEncoding;
  /** Headers sent with every request; they win over the content headers. */
  headers: Record<string, string>;
  gzip?: boolean;
  /** Most uncompressed bytes per request (the platform's payload limit). */
  maxBytes?: number;
  profile?: OtlpProfile;
  /** The destination's Service name setting (field.serviceName); required so no OTLP destination forgets it. */
  serviceName: string | undefined;
};

/** The HTTP requests that carry `traces` to an OTLP/HTTP endpoint. */
export function otlpRequests(traces: OutboundTrace[], target: OtlpTarget): OutboundRequest[] {
  const encodeBatch = (batch: OutboundTrace[]): string | Uint8Array => {
    const request = tracesToOtlp(batch, target.profile, target.serviceName);
    return target.encoding === "json" ? encodeOtlpJson(request) : encodeOtlpProtobuf(request);
  };
  const parts = target.maxBytes ? splitBySize(traces, encodeBatch, target.maxBytes) : [{ items: traces, body: encodeBatch(traces) }];
  return parts.map(({ items, body }) => ({
    method: target.method ?? "POST",
    url: target.url,
    headers: mergeHeaders(
      { "content-type": OTLP_CONTENT_TYPE[target.encoding], ...(target.gzip ? { "content-encoding": "gzip" } : {}) },
      target.headers,
    ),
    body: target.gzip ? new Uint8Array(gzipSync(body)) : body,
    traceCount: items.length,
  }));
}

/** Merges header sets case-insensitively (names lower-cased); later sets win. */
export function mergeHeaders(...sets: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const set of sets) for (const [name, value] of Object.entries(set)) merged[name.toLowerCase()] = value;
  return merged;
}

/** `Basic base64(user:password)`. */
export const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** `{base}{path}` without a doubled slash (base URLs are often pasted with a trailing one). */
export const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`;

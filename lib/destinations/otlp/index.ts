// The one OTLP encoder every OTLP destination (and the webhook) shares: traces → an OTLP
// ExportTraceServiceRequest following the OpenTelemetry GenAI semantic conventions, then OTLP/JSON
// or OTLP/protobuf (written directly: ./protobuf.ts), optionally gzipped, split so a platform's
// payload limit holds. Platform specifics live in each destination's `OtlpProfile`.
import { gzipSync } from "node:zlib";
import pkg from "@/package.json";
import type { Message } from "@/lib/traces/schema";
import { DeliveryError } from "@/lib/outbound/errors";
import { sha256Hex } from "@/lib/hash";
import { hexTraceId } from "../ids";
import { contentText, traceTree } from "../trace-document";
import type { OutboundRequest, OutboundTrace } from "../types";
import { packBatches, refuseOversized, type BatchLimits } from "../batching";
import { ProtoWriter, protoWriter, writeKeyValues, writeSpan } from "./protobuf";

export type { AnyValue, ExportTraceServiceRequest, KeyValue, OtlpSpan } from "./shapes";
import type { AnyValue, ExportTraceServiceRequest, KeyValue, OtlpSpan } from "./shapes";

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export const SERVICE_NAME = "tracecast";
export const SERVICE_VERSION: string = pkg.version;


// ---------------------------------------------------------------------------------------------
// Attributes

/**
 * Builds a typed OTLP attribute list; empty values (null, undefined, "") are skipped. With a
 * platform's limits (OtlpProfile.limits), longer strings are truncated and longer arrays cut as
 * they are added, so no second pass copies the list.
 */
export class Attributes {
  readonly list: KeyValue[] = [];
  private readonly maxString: number;
  private readonly maxArray: number;

  constructor(limits: OtlpProfile["limits"] = {}) {
    this.maxString = limits.maxStringLength ?? Number.POSITIVE_INFINITY;
    this.maxArray = limits.maxArrayLength ?? Number.POSITIVE_INFINITY;
  }

  private limited(value: string): string {
    return value.length > this.maxString ? truncate(value, this.maxString) : value;
  }

  str(key: string, value: string | null | undefined): this {
    if (value != null && value !== "") this.list.push({ key, value: { stringValue: this.limited(value) } });
    return this;
  }
  /** An int64; an integer beyond int64's range (or a fraction's integer part) travels exactly, or as a double when int64 cannot hold it. */
  int(key: string, value: number | null | undefined): this {
    if (value == null || !Number.isFinite(value)) return this;
    const whole = Math.trunc(value);
    if (Number.isSafeInteger(whole)) this.list.push({ key, value: { intValue: String(whole) } });
    else if (whole >= -(2 ** 63) && whole < 2 ** 63) this.list.push({ key, value: { intValue: BigInt(whole).toString() } });
    else this.list.push({ key, value: { doubleValue: whole } });
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
    if (values?.length) {
      const kept = values.length > this.maxArray ? values.slice(0, this.maxArray) : values;
      this.list.push({ key, value: { arrayValue: { values: kept.map((v) => ({ stringValue: this.limited(v) })) } } });
    }
    return this;
  }
  /** JSON-encoded string (how structured values travel as span attributes). */
  json(key: string, value: unknown): this {
    if (value !== undefined && value !== null) this.list.push({ key, value: { stringValue: this.limited(JSON.stringify(value)) } });
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

/**
 * ISO timestamp → nanoseconds since the epoch as a decimal string, exact beyond 2^53: whole
 * milliseconds with six zeros appended (the digits BigInt arithmetic would give, without it).
 */
export function isoToUnixNano(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new DeliveryError("encode", `Invalid timestamp "${iso}"`, { retryable: false });
  return ms === 0 ? "0" : `${ms}000000`;
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
  const metadata = Object.entries(trace.metadata);
  // Only keys under the prefix can collide (all of them when the prefix is "").
  const taken = metadata.length > 0 ? new Set(attrs.list.filter((kv) => kv.key.startsWith(metadataPrefix)).map((kv) => kv.key)) : undefined;
  for (const [key, value] of metadata) {
    if (!taken?.has(`${metadataPrefix}${key}`)) attrs.any(`${metadataPrefix}${key}`, value);
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
    .str("tracecast.app.name", trace.app?.name)
    .str("tracecast.app.url", trace.app?.url)
    .str("user_agent.original", trace.user_agent)
    .str("tracecast.source", trace.source)
    .str("tracecast.upstream", trace.upstream)
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
    const attrs = new Attributes(profile.limits);
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

/**
 * A trace's `service.name`: the destination's Service name setting, else the name of the API key
 * that sent the trace (what usually names the calling application, and what APM platforms group
 * services by), else "tracecast".
 */
export const serviceNameOf = (trace: OutboundTrace, configured: string | undefined) => configured ?? trace.api_key_name ?? SERVICE_NAME;

/** The resource of one service name: who sent the spans (and the profile's project routing). */
function resourceAttributes(service: string, profile: OtlpProfile): KeyValue[] {
  const resource = new Attributes(profile.limits).str("service.name", service).str("service.version", SERVICE_VERSION).str("telemetry.sdk.name", SERVICE_NAME);
  profile.resource?.(resource);
  return resource.list;
}

const SCOPE = { name: SERVICE_NAME, version: SERVICE_VERSION };

/** Traces → one ExportTraceServiceRequest (many traces per request, one resource per service name). */
export function tracesToOtlp(traces: OutboundTrace[], profile: OtlpProfile = {}, serviceName?: string): ExportTraceServiceRequest {
  const byService = new Map<string, OtlpSpan[]>();
  for (const t of traces) {
    const service = serviceNameOf(t, serviceName);
    const spans = byService.get(service);
    if (spans) spans.push(...spansOf(t, profile));
    else byService.set(service, spansOf(t, profile));
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: resourceAttributes(service, profile) },
      scopeSpans: [{ scope: SCOPE, spans }],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Wire encodings

/** OTLP/JSON (hex ids, int64 as strings, enums as ints): the request is already in that shape. */
export function encodeOtlpJson(request: ExportTraceServiceRequest): string {
  return JSON.stringify(request);
}

/** OTLP/protobuf, written directly (./protobuf.ts): ids become bytes, int64 strings are read exactly. */
export function encodeOtlpProtobuf(request: ExportTraceServiceRequest): Uint8Array {
  const w = protoWriter;
  for (const rs of request.resourceSpans) {
    writeResourceSpans(w, rs.resource.attributes, rs.scopeSpans[0].scope, () => {
      for (const ss of rs.scopeSpans) for (const span of ss.spans) writeSpan(w, span);
    });
  }
  return w.finish();
}

/** ResourceSpans (field 1 of the request): resource 1 (attributes 1), scope_spans 2 (scope 1: name 1, version 2; spans 2). */
function writeResourceSpans(w: ProtoWriter, resource: readonly KeyValue[], scope: { name: string; version: string }, writeSpans: () => void): void {
  const rs = w.begin(1);
  const res = w.begin(1);
  writeKeyValues(w, 1, resource);
  w.end(res);
  const ss = w.begin(2);
  const sc = w.begin(1);
  w.string(1, scope.name);
  w.string(2, scope.version);
  w.end(sc);
  writeSpans();
  w.end(ss);
  w.end(rs);
}

export type OtlpEncoding = "json" | "protobuf";

export const OTLP_CONTENT_TYPE: Record<OtlpEncoding, string> = { json: "application/json", protobuf: "application/x-protobuf" };

/** What an OTLP body is made of: the traces' encoding and how they are grouped. */
export type OtlpBodyOptions = {
  encoding: OtlpEncoding;
  profile?: OtlpProfile;
  /** The destination's Service name setting (field.serviceName); required so no OTLP destination forgets it. */
  serviceName: string | undefined;
  /** The destination's request limits (its maxBatch and maxBatchBytes: uncompressed bytes per request). */
  limits?: BatchLimits;
};

/** One trace's spans, encoded once: the bytes (or JSON text) that go into whichever request carries it. */
type EncodedTrace = { trace: OutboundTrace; service: string; spans: string | Uint8Array; bytes: number };

/** Room for the tags and length prefixes around one service's spans (ResourceSpans, ScopeSpans: ≤ 2 × 6 bytes). */
const FRAMING_BYTES = 16;

/**
 * The request bodies that carry `traces`, each trace encoded once. Under a byte limit, each
 * trace's spans are written alone, sized exactly, packed into requests that fit the limits
 * (packBatches), and each request is those pieces placed in their envelopes (protobuf repeated
 * fields and JSON array items concatenate): no request is encoded again to find where to split.
 * A trace over the byte limit alone is a permanent encode error.
 */
export function otlpBodies(traces: OutboundTrace[], options: OtlpBodyOptions & { encoding: "json" }): { items: OutboundTrace[]; body: string }[];
export function otlpBodies(traces: OutboundTrace[], options: OtlpBodyOptions): { items: OutboundTrace[]; body: string | Uint8Array }[];
export function otlpBodies(traces: OutboundTrace[], options: OtlpBodyOptions): { items: OutboundTrace[]; body: string | Uint8Array }[] {
  const profile = options.profile ?? {};
  const json = options.encoding === "json";
  const limits = options.limits ?? {};
  if (limits.maxBytes === undefined) {
    // No byte limit: each request is its traces encoded in one pass.
    return packBatches(traces, limits, () => 0).batches.map((items) => {
      const request = tracesToOtlp(items, profile, options.serviceName);
      return { items, body: json ? encodeOtlpJson(request) : encodeOtlpProtobuf(request) };
    });
  }
  const resources = new Map<string, KeyValue[]>();
  const encoded: EncodedTrace[] = traces.map((trace) => {
    const service = serviceNameOf(trace, options.serviceName);
    if (!resources.has(service)) resources.set(service, resourceAttributes(service, profile));
    const spans = spansOf(trace, profile);
    if (json) {
      const text = JSON.stringify(spans).slice(1, -1);
      return { trace, service, spans: text, bytes: Buffer.byteLength(text) };
    }
    for (const span of spans) writeSpan(protoWriter, span);
    const bytes = protoWriter.finish();
    return { trace, service, spans: bytes, bytes: bytes.byteLength };
  });
  // Every service's envelope: an upper bound of any request's, whichever services it holds.
  let envelopeBytes = 0;
  for (const service of resources.keys()) envelopeBytes += FRAMING_BYTES + byteLengthOf(envelope(json, new Map([[service, []]]), resources));
  const packed = packBatches(encoded, limits, (e) => e.bytes, { overheadBytes: envelopeBytes, separatorBytes: json ? 1 : 0 });
  refuseOversized(packed);
  return packed.batches.map((group) => {
    // By service in order of first appearance, as tracesToOtlp groups them.
    const byService = new Map<string, (string | Uint8Array)[]>();
    for (const e of group) {
      const pieces = byService.get(e.service);
      if (pieces) pieces.push(e.spans);
      else byService.set(e.service, [e.spans]);
    }
    return { items: group.map((e) => e.trace), body: envelope(json, byService, resources) };
  });
}

const byteLengthOf = (body: string | Uint8Array) => (typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);

/** The request around already-encoded spans (JSON text or protobuf bytes per trace), one resource per service. */
function envelope(json: boolean, byService: Map<string, (string | Uint8Array)[]>, resources: Map<string, KeyValue[]>): string | Uint8Array {
  if (json) {
    const parts = [...byService].map(
      ([service, pieces]) =>
        `{"resource":{"attributes":${JSON.stringify(resources.get(service))}},"scopeSpans":[{"scope":${JSON.stringify(SCOPE)},"spans":[${pieces.join(",")}]}]}`,
    );
    return `{"resourceSpans":[${parts.join(",")}]}`;
  }
  for (const [service, pieces] of byService) {
    writeResourceSpans(protoWriter, resources.get(service)!, SCOPE, () => {
      for (const piece of pieces) protoWriter.raw(piece as Uint8Array);
    });
  }
  return protoWriter.finish();
}

export type OtlpTarget = OtlpBodyOptions & {
  url: string;
  method?: "POST" | "PUT";
  /** Headers sent with every request; they win over the content headers. */
  headers: Record<string, string>;
  gzip?: boolean;
};

/** The HTTP requests that carry `traces` to an OTLP/HTTP endpoint. */
export function otlpRequests(traces: OutboundTrace[], target: OtlpTarget): OutboundRequest[] {
  return otlpBodies(traces, target).map(({ items, body }) => ({
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

/**
 * A platform's OTLP intake as most take it: protobuf, gzipped, under the destination's service name,
 * with the destination's custom headers and then the platform's own auth headers, which win over
 * a stray header of the same name among the custom ones.
 */
export function platformOtlpRequests(
  traces: OutboundTrace[],
  config: { serviceName?: string; headers: Record<string, string> },
  target: { url: string; auth: Record<string, string>; profile?: OtlpProfile; limits?: BatchLimits },
): OutboundRequest[] {
  return otlpRequests(traces, {
    serviceName: config.serviceName,
    url: target.url,
    encoding: "protobuf",
    gzip: true,
    limits: target.limits,
    profile: target.profile,
    headers: mergeHeaders(config.headers, target.auth),
  });
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

// OTLP/HTTP trace request bodies → flat spans with plain attribute values. Protobuf and OTLP/JSON
// (hex ids, enums as integers, 64-bit integers as strings or numbers) both go through protobufjs
// and the official .proto files the OTLP encoder uses, so the two encodings are read identically.
// Everything a hostile body can make expensive is bounded here: the decompressed size (a gzip
// bomb stops at the limit), the nesting of JSON and of attribute values, the number of spans and
// of attributes per span.
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type protobuf from "protobufjs";
import { ApiError } from "@/lib/errors";
import { jsonTextNestsDeeperThan } from "@/lib/api/json-depth";
import { exportTraceServiceRequestType } from "@/lib/destinations/otlp/proto";

export type OtlpEncoding = "json" | "protobuf";

export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue } | null;
export type Attributes = Record<string, AttributeValue>;

/** One span as received: ids in lower-case hex, times in nanoseconds since the epoch. */
export type IncomingSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Attributes;
  resource: Attributes;
  scope: string;
  status: { code: number; message?: string };
};

export const OTLP_INGEST_LIMITS = {
  /** Most spans in one request (OpenTelemetry SDKs export at most 512 per request by default). */
  spansPerRequest: 10_000,
  /** Attributes kept per span (the SDKs' default limit is 128); the rest are ignored. */
  attributesPerSpan: 512,
  /** Attribute values nested deeper than this (arrays, key-value lists) are cut there. */
  valueDepth: 8,
  /** JSON bodies nested deeper than this are refused before protobufjs walks them recursively (OTLP/JSON needs about 4 levels per nested attribute value). */
  jsonDepth: 64,
} as const;

/** Placeholder for an attribute value cut at OTLP_INGEST_LIMITS.valueDepth. */
export const TOO_DEEP = "[truncated: nested too deeply]";

const gunzipAsync = promisify(gunzip);

/** The encoding named by a Content-Type; 415 for anything but OTLP's two. */
export function encodingOf(contentType: string | null): OtlpEncoding {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-protobuf") return "protobuf";
  if (type === "application/json") return "json";
  throw new ApiError(415, "unsupported_media_type", `Content-Type must be application/x-protobuf or application/json (OTLP/HTTP), got "${type}"`);
}

/** The body after Content-Encoding (gzip or none), never larger than `maxBytes` once decompressed. */
export async function decompress(body: Uint8Array, contentEncoding: string | null, maxBytes: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (encoding === "" || encoding === "identity") return bytes;
  if (encoding !== "gzip") throw new ApiError(415, "unsupported_media_type", `Content-Encoding must be gzip or absent, got "${encoding}"`);
  try {
    // maxOutputLength stops inflating at the limit: a small body that expands to gigabytes costs no more than the limit.
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ApiError(413, "payload_too_large", `Request body exceeds the limit of ${maxBytes} bytes once decompressed`);
    }
    throw new ApiError(400, "invalid_request", "Content-Encoding is gzip but the body is not valid gzip");
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const invalid = (message: string) => new ApiError(400, "invalid_request", `Not an OTLP ExportTraceServiceRequest: ${message}`);

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** OTLP/JSON ids are hex where proto3 JSON has base64: converted so protobufjs reads them as bytes. */
function hexIdsToBytes(body: Json): Json {
  for (const rs of listOf(body.resourceSpans)) {
    for (const ss of isObject(rs) ? listOf(rs.scopeSpans) : []) {
      for (const span of isObject(ss) ? listOf(ss.spans) : []) {
        if (!isObject(span)) continue;
        for (const key of ["traceId", "spanId", "parentSpanId"]) {
          const id = span[key];
          if (id === undefined || id === null) continue;
          if (typeof id !== "string" || !HEX.test(id)) throw invalid(`${key} must be a hex string in OTLP/JSON, got ${JSON.stringify(id).slice(0, 80)}`);
          span[key] = Buffer.from(id, "hex");
        }
      }
    }
  }
  return body;
}

function messageOf(body: Buffer, encoding: OtlpEncoding): protobuf.Message {
  const type = exportTraceServiceRequestType();
  if (encoding === "protobuf") return type.decode(body);
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "invalid_json", `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw invalid("the body must be a JSON object");
  if (jsonTextNestsDeeperThan(text, OTLP_INGEST_LIMITS.jsonDepth)) throw invalid(`JSON nested deeper than ${OTLP_INGEST_LIMITS.jsonDepth} levels`);
  return type.fromObject(hexIdsToBytes(parsed));
}

/** Decodes a whole request (already decompressed); 400 naming the problem when it is not one. */
export function decodeExportRequest(body: Buffer, encoding: OtlpEncoding): IncomingSpan[] {
  let decoded: Json;
  try {
    const type = exportTraceServiceRequestType();
    const message = messageOf(body, encoding);
    const problem = type.verify(message);
    if (problem) throw invalid(problem);
    decoded = type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // protobufjs recurses into nested values: a body nested deep enough overflows the stack (a RangeError).
    if (err instanceof RangeError) throw invalid("values nested too deeply");
    throw invalid((err as Error).message);
  }
  return flatten(decoded);
}

function flatten(decoded: Json): IncomingSpan[] {
  const spans: IncomingSpan[] = [];
  for (const rs of listOf(decoded.resourceSpans) as Json[]) {
    const resource = plainAttributes((rs.resource as Json | undefined)?.attributes);
    for (const ss of listOf(rs.scopeSpans) as Json[]) {
      const scope = typeof (ss.scope as Json | undefined)?.name === "string" ? ((ss.scope as Json).name as string) : "";
      for (const s of listOf(ss.spans) as Json[]) {
        if (spans.length === OTLP_INGEST_LIMITS.spansPerRequest) throw invalid(`more than ${OTLP_INGEST_LIMITS.spansPerRequest} spans in one request`);
        const status = (s.status as Json | undefined) ?? {};
        const parentSpanId = base64ToHex(s.parentSpanId);
        spans.push({
          traceId: base64ToHex(s.traceId) ?? "",
          spanId: base64ToHex(s.spanId) ?? "",
          ...(parentSpanId ? { parentSpanId } : {}),
          name: typeof s.name === "string" ? s.name : "",
          startNanos: nanos(s.startTimeUnixNano),
          endNanos: nanos(s.endTimeUnixNano),
          attributes: plainAttributes(s.attributes),
          resource,
          scope,
          status: { code: typeof status.code === "number" ? status.code : 0, ...(typeof status.message === "string" && status.message ? { message: status.message } : {}) },
        });
      }
    }
  }
  return spans;
}

const base64ToHex = (v: unknown) => (typeof v === "string" && v !== "" ? Buffer.from(v, "base64").toString("hex") : undefined);

function nanos(v: unknown): bigint {
  try {
    return typeof v === "string" || typeof v === "number" ? BigInt(v) : 0n;
  } catch {
    return 0n;
  }
}

function plainAttributes(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  let count = 0;
  for (const kv of listOf(list) as Json[]) {
    if (typeof kv.key !== "string") continue;
    if (count++ === OTLP_INGEST_LIMITS.attributesPerSpan) break;
    out[kv.key] = plainValue(kv.value as Json | undefined, depth);
  }
  return out;
}

function plainValue(value: Json | undefined, depth: number): AttributeValue {
  if (!value) return null;
  if ("stringValue" in value) return value.stringValue as string;
  if ("boolValue" in value) return value.boolValue as boolean;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue as number;
  if ("bytesValue" in value) return value.bytesValue as string;
  if (depth >= OTLP_INGEST_LIMITS.valueDepth) return TOO_DEEP;
  if ("arrayValue" in value) return listOf((value.arrayValue as Json).values).map((v) => plainValue(v as Json, depth + 1));
  if ("kvlistValue" in value) return plainAttributes((value.kvlistValue as Json).values, depth + 1);
  return null;
}

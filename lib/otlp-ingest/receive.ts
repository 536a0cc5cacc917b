// The OTLP/HTTP traces receiver (POST /v1/traces and /api/v1/otlp/v1/traces): decode, map the
// generation spans to traces, accept them as the JSON ingest API does (same rate limit, routing,
// sampling, outbox), and answer as the OTLP specification says, in the request's own encoding:
// 200 ExportTraceServiceResponse (partial_success names the spans that could not be taken), or a
// google.rpc.Status with 400, 413, 415, 429 or 503 (the last two with Retry-After).
import protobuf from "protobufjs";
import { ApiError, databaseUnavailable } from "@/lib/errors";
import { JsonReply } from "@/lib/api/reply";
import { readBodyBytes, type RouteRequest } from "@/lib/api/route";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { isDatabaseUnavailable } from "@/lib/db-client";
import { exportTraceServiceResponseType } from "@/lib/destinations/otlp/proto";
import { sha256Hex } from "@/lib/hash";
import { acceptTraces } from "@/lib/ingest";
import { ingestRateLimiter } from "@/lib/ingest/rate-limit";
import { LIMITS } from "@/lib/traces/schema";
import { decodeExportRequest, decompress, encodingOf, type OtlpEncoding } from "./decode";
import { mapSpans, type MappedSpans } from "./map";

/** Reasons quoted in partial_success.error_message (the count covers them all). */
const QUOTED_REJECTIONS = 5;

export async function receiveOtlpTraces(req: RouteRequest, ctx: ApiKeyContext): Promise<Response | JsonReply> {
  // Until the Content-Type is known, errors are answered in OTLP/JSON.
  let encoding: OtlpEncoding = "json";
  try {
    encoding = encodingOf(req.headers.get("content-type"));
    // Before the body is read, as on the JSON API (and with its limiter: one budget per key for both).
    const retryAfter = ingestRateLimiter().take(ctx.apiKey.id);
    if (retryAfter > 0) {
      throw new ApiError(429, "rate_limited", `Too many requests for this API key; retry after ${retryAfter} s`, undefined, { "Retry-After": String(retryAfter) });
    }
    const wire = await readBodyBytes(req, LIMITS.bodyBytes);
    const body = await decompress(wire, req.headers.get("content-encoding"), LIMITS.bodyBytes);
    const mapped = mapSpans(decodeExportRequest(body, encoding));
    if (mapped.traces.length) await acceptOnce(ctx, mapped);
    return exportResponse(mapped, encoding);
  } catch (err) {
    if (err instanceof ApiError) return statusResponse(err, encoding);
    if (isDatabaseUnavailable(err)) return statusResponse(databaseUnavailable(), encoding);
    throw err;
  }
}

/**
 * Stores the generations once even when the exporter sends the batch again (it retries after a
 * timeout or a lost answer, and spans are never exported twice otherwise): the request is keyed by
 * its generation spans' ids, as an Idempotency-Key of the API key (lib/ingest/idempotency.ts), and
 * a request whose key is already stored stores nothing and gets the same 200.
 */
async function acceptOnce(ctx: ApiKeyContext, mapped: MappedSpans): Promise<void> {
  const inputs = mapped.traces.map((t) => t.input);
  const key = `otlp:${sha256Hex(mapped.traces.map((t) => `${t.input.trace?.trace_id}/${t.spanId}`).join(","))}`;
  await acceptTraces(ctx, inputs, { source: "otlp", idempotency: { key, bodyHash: sha256Hex(JSON.stringify(inputs)) } });
}

const CONTENT_TYPE: Record<OtlpEncoding, string> = { json: "application/json", protobuf: "application/x-protobuf" };

function exportResponse(mapped: MappedSpans, encoding: OtlpEncoding): Response | JsonReply {
  const rejected = mapped.rejected.length;
  const partialSuccess = rejected
    ? {
        rejectedSpans: rejected,
        errorMessage: `${rejected} LLM span(s) could not be stored: ${mapped.rejected
          .slice(0, QUOTED_REJECTIONS)
          .map((r) => `span ${r.spanId}: ${r.reason}`)
          .join("; ")}${rejected > QUOTED_REJECTIONS ? "; …" : ""}`,
      }
    : undefined;
  if (encoding === "json") {
    // OTLP/JSON writes 64-bit integers as decimal strings.
    return new JsonReply(partialSuccess ? { partialSuccess: { ...partialSuccess, rejectedSpans: String(rejected) } } : {}, 200);
  }
  const type = exportTraceServiceResponseType();
  return protobufResponse(type.encode(type.create(partialSuccess ? { partialSuccess } : {})).finish(), 200);
}

/** google.rpc.Status, the body OTLP/HTTP gives errors: only the two fields a client reads. */
let statusType: protobuf.Type | undefined;
const rpcStatusType = () =>
  (statusType ??= new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string")));

/** The gRPC code matching an HTTP status (what google.rpc.Status.code holds). */
function grpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

function statusResponse(err: ApiError, encoding: OtlpEncoding): Response | JsonReply {
  const status = { code: grpcCode(err.status), message: err.message };
  if (encoding === "json") return new JsonReply(status, err.status, err.headers);
  return protobufResponse(rpcStatusType().encode(status).finish(), err.status, err.headers);
}

function protobufResponse(bytes: Uint8Array, status: number, headers: Record<string, string> = {}): Response {
  return new Response(Buffer.from(bytes), { status, headers: { ...headers, "content-type": CONTENT_TYPE.protobuf } });
}

// Building OTLP requests for the ingest tests: spans with plain attributes → the OTLP/JSON shape the
// repo's encoder uses (lib/destinations/otlp), then JSON or protobuf on the wire.
import http from "node:http";
import { Attributes, encodeOtlpJson, encodeOtlpProtobuf, type ExportTraceServiceRequest, type OtlpSpan } from "@/lib/destinations/otlp";
import { exportTraceServiceResponseType } from "@/lib/destinations/otlp/proto";

export type SpanSpec = {
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Record<string, unknown>;
  status?: { code: number; message?: string };
  startMs?: number;
  durationMs?: number;
};

export const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const BASE_MS = Date.parse("2026-12-01T10:00:00.000Z");

export function otlpRequest(specs: SpanSpec[], resource: Record<string, unknown> = { "service.name": "weather-app" }): ExportTraceServiceRequest {
  const attrs = (values: Record<string, unknown>) => {
    const list = new Attributes();
    for (const [key, value] of Object.entries(values)) list.any(key, value);
    return list.list;
  };
  const spans: OtlpSpan[] = specs.map((s) => {
    const start = BigInt(BASE_MS + (s.startMs ?? 0)) * 1_000_000n;
    return {
      traceId: s.traceId ?? TRACE_ID,
      spanId: s.spanId,
      ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      name: s.name,
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(s.durationMs ?? 1200) * 1_000_000n).toString(),
      attributes: attrs(s.attributes ?? {}),
      ...(s.status ? { status: s.status } : {}),
    };
  });
  return { resourceSpans: [{ resource: { attributes: attrs(resource) }, scopeSpans: [{ scope: { name: "test", version: "1" }, spans }] }] };
}

export const asJson = (request: ExportTraceServiceRequest) => Buffer.from(encodeOtlpJson(request));
export const asProtobuf = (request: ExportTraceServiceRequest) => Buffer.from(encodeOtlpProtobuf(request));

export type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** One POST on a fresh connection. */
export function post(url: string, headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-length": String(Buffer.byteLength(body)), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A protobuf ExportTraceServiceResponse as a plain object (int64 as strings). */
export function decodeExportResponse(body: Buffer): Record<string, unknown> {
  const type = exportTraceServiceResponseType();
  return type.toObject(type.decode(body), { longs: String, defaults: false });
}

// A local OTLP/HTTP trace receiver for tests: node:http on 127.0.0.1 (port 0), any POST path.
// Decodes OTLP/protobuf and OTLP/JSON with protobufjs and the official .proto files, gunzips,
// and REJECTS what a real collector would reject (400): malformed protobuf, invalid JSON,
// base64 or malformed ids, non-integer timestamps, bodies that fail protobufjs verification.
// Failure modes (status, Retry-After, delay) are programmable for retry tests.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type protobuf from "protobufjs";
import type { OtlpSpan } from "@/lib/destinations/otlp";
import { exportTraceServiceRequestType } from "@/lib/destinations/otlp/proto";

export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue } | null;

/** A span as received: OtlpSpan's fields (ids hex, times exact decimal strings) with plain attribute values. */
export type DecodedSpan = Omit<OtlpSpan, "attributes"> & {
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
  scope: { name: string; version?: string };
};

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  encoding: "json" | "protobuf";
  gzip: boolean;
  /** Body as received on the wire (possibly gzipped) and after gunzip. */
  wireBytes: number;
  body: Buffer;
  /** The decoded request as a plain object: ids hex, int64 as decimal strings. */
  decoded: Record<string, unknown>;
  spans: DecodedSpan[];
  /** Status the receiver answered. */
  status: number;
};

export type ProgrammedResponse = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export type OtlpReceiver = {
  /** Base URL, e.g. http://127.0.0.1:41234 (append any path). */
  url: string;
  requests: ReceivedRequest[];
  /** Bodies refused with 400, with the reason. */
  rejected: { path: string; reason: string }[];
  /** All spans of all accepted requests, in arrival order. */
  spans(): DecodedSpan[];
  /** Queue responses for the next requests (then back to 200). */
  respondWith(...responses: ProgrammedResponse[]): void;
  reset(): void;
  close(): Promise<void>;
};

const HEX_TRACE_ID = /^[0-9a-fA-F]{32}$/;
const HEX_SPAN_ID = /^[0-9a-fA-F]{16}$/;
const UNSIGNED_DECIMAL = /^\d+$/;

class RejectedBody extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown, what: string): unknown[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new RejectedBody(`${what} must be an array`);
  return v;
};

function hexToBytes(value: unknown, re: RegExp, what: string, optional: boolean): Buffer | undefined {
  if (value === undefined || value === "") {
    if (optional) return undefined;
    throw new RejectedBody(`${what} is required`);
  }
  if (typeof value !== "string" || !re.test(value)) throw new RejectedBody(`${what} must be hex (OTLP/JSON), got ${JSON.stringify(value)}`);
  return Buffer.from(value, "hex");
}

/** OTLP/JSON differs from canonical proto3 JSON: hex ids instead of base64. Convert, and check int64 fields. */
function fixUpJson(body: unknown): Json {
  if (!isObject(body)) throw new RejectedBody("body must be a JSON object");
  for (const rs of arrayOf(body.resourceSpans, "resourceSpans")) {
    if (!isObject(rs)) throw new RejectedBody("resourceSpans[] must be objects");
    for (const ss of arrayOf(rs.scopeSpans, "scopeSpans")) {
      if (!isObject(ss)) throw new RejectedBody("scopeSpans[] must be objects");
      for (const span of arrayOf(ss.spans, "spans")) {
        if (!isObject(span)) throw new RejectedBody("spans[] must be objects");
        span.traceId = hexToBytes(span.traceId, HEX_TRACE_ID, "traceId", false);
        span.spanId = hexToBytes(span.spanId, HEX_SPAN_ID, "spanId", false);
        const parent = hexToBytes(span.parentSpanId, HEX_SPAN_ID, "parentSpanId", true);
        if (parent) span.parentSpanId = parent;
        else delete span.parentSpanId;
        for (const key of ["startTimeUnixNano", "endTimeUnixNano"]) {
          const v = span[key];
          if (!(typeof v === "string" && UNSIGNED_DECIMAL.test(v)) && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) {
            throw new RejectedBody(`${key} must be an unsigned integer (a decimal string in OTLP/JSON), got ${JSON.stringify(v)}`);
          }
        }
        if (span.kind !== undefined && !Number.isInteger(span.kind)) throw new RejectedBody("kind must be an integer enum value in OTLP/JSON");
      }
    }
  }
  return body;
}

function plainValue(value: Json | undefined): AttributeValue {
  if (!value) return null;
  if ("stringValue" in value) return value.stringValue as string;
  if ("boolValue" in value) return value.boolValue as boolean;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue as number;
  if ("arrayValue" in value) return ((value.arrayValue as Json).values as Json[] | undefined ?? []).map(plainValue);
  if ("kvlistValue" in value) return plainAttributes((value.kvlistValue as Json).values as Json[] | undefined);
  if ("bytesValue" in value) return value.bytesValue as string;
  return null;
}

function plainAttributes(list: Json[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key as string] = plainValue(kv.value as Json | undefined);
  return out;
}

const b64ToHex = (v: unknown) => (typeof v === "string" && v !== "" ? Buffer.from(v, "base64").toString("hex") : undefined);

/** The spans of a decoded request, flattened with their resource and scope, attributes as plain values. */
export function decodedSpans(decoded: Json): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  for (const rs of (decoded.resourceSpans as Json[] | undefined) ?? []) {
    const resource = plainAttributes(((rs.resource as Json | undefined)?.attributes as Json[] | undefined) ?? []);
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      const scope = (ss.scope as { name: string; version?: string } | undefined) ?? { name: "" };
      for (const s of (ss.spans as Json[] | undefined) ?? []) {
        const parent = b64ToHex(s.parentSpanId);
        out.push({
          traceId: b64ToHex(s.traceId)!,
          spanId: b64ToHex(s.spanId)!,
          ...(parent ? { parentSpanId: parent } : {}),
          name: s.name as string,
          kind: s.kind as number,
          startTimeUnixNano: s.startTimeUnixNano as string,
          endTimeUnixNano: s.endTimeUnixNano as string,
          attributes: plainAttributes(s.attributes as Json[] | undefined),
          ...(s.status ? { status: s.status as { code: number; message?: string } } : {}),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

/** Decodes one OTLP request body (already gunzipped); throws RejectedBody on invalid input. */
export function decodeOtlp(body: Buffer, encoding: "json" | "protobuf"): Json {
  const type = exportTraceServiceRequestType();
  let message: protobuf.Message;
  if (encoding === "protobuf") {
    try {
      message = type.decode(body);
    } catch (err) {
      throw new RejectedBody(`invalid protobuf: ${(err as Error).message}`);
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new RejectedBody("invalid JSON");
    }
    try {
      message = type.fromObject(fixUpJson(parsed));
    } catch (err) {
      if (err instanceof RejectedBody) throw err;
      throw new RejectedBody(`not an ExportTraceServiceRequest: ${(err as Error).message}`);
    }
  }
  const problem = type.verify(message);
  if (problem) throw new RejectedBody(`not an ExportTraceServiceRequest: ${problem}`);
  return type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false }) as Json;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const rejected: { path: string; reason: string }[] = [];
  let queue: ProgrammedResponse[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const path = req.url ?? "/";
        const reject = (status: number, reason: string) => {
          rejected.push({ path, reason });
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ code: 3, message: reason }));
        };
        if (req.method !== "POST" && req.method !== "PUT") return reject(405, `method ${req.method} not allowed`);
        const wire = Buffer.concat(chunks);
        const gzip = (req.headers["content-encoding"] ?? "").toLowerCase() === "gzip";
        let body = wire;
        if (gzip) {
          try {
            body = gunzipSync(wire);
          } catch {
            return reject(400, "content-encoding is gzip but the body is not gzip");
          }
        }
        const contentType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
        const encoding = contentType === "application/x-protobuf" ? "protobuf" : contentType === "application/json" ? "json" : undefined;
        if (!encoding) return reject(415, `unsupported content-type "${contentType}"`);
        let decoded: Json;
        try {
          decoded = decodeOtlp(body, encoding);
        } catch (err) {
          if (err instanceof RejectedBody) return reject(400, err.message);
          throw err;
        }
        const programmed = queue.shift() ?? {};
        const status = programmed.status ?? 200;
        // Recorded on arrival, so a delayed answer cannot land in a later test's records.
        requests.push({ method: req.method, path, headers: req.headers, encoding, gzip, wireBytes: wire.length, body, decoded, spans: decodedSpans(decoded), status });
        if (programmed.delayMs) await new Promise((r) => setTimeout(r, programmed.delayMs));
        if (res.destroyed) return;
        const answer = programmed.body ?? (encoding === "json" ? "{}" : "");
        res.writeHead(status, { "content-type": encoding === "json" ? "application/json" : "application/x-protobuf", ...programmed.headers }).end(answer);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    spans: () => requests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.spans),
    respondWith: (...responses) => {
      queue.push(...responses);
    },
    reset: () => {
      requests.length = 0;
      rejected.length = 0;
      queue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The direct OTLP writers (lib/destinations/otlp/protobuf.ts, otlpBodies) against the encoder they
// replaced: protobufjs with the official .proto files. For every OTLP destination in the registry
// and batches full of edge cases (unicode, huge strings, empty values, the int64 range, arrays and
// nested metadata, several services), each request body must be byte for byte what protobufjs
// writes for the same ExportTraceServiceRequest (JSON: what JSON.stringify writes), and decode with
// protobufjs to the same spans.
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { arizeProfile } from "@/lib/destinations/arize";
import { dynatraceProfile } from "@/lib/destinations/dynatrace";
import { langfuseProfile } from "@/lib/destinations/langfuse";
import { langsmithProfile } from "@/lib/destinations/langsmith";
import { newRelicProfile } from "@/lib/destinations/newrelic";
import { openInferenceProfile } from "@/lib/destinations/openinference";
import { encodeOtlpProtobuf, otlpRequests, tracesToOtlp, type ExportTraceServiceRequest, type OtlpProfile } from "@/lib/destinations/otlp";
import { exportTraceServiceRequestType } from "@/lib/destinations/otlp/proto";
import { DESTINATIONS, getDefinition } from "@/lib/destinations/registry";
import { sentryProfile } from "@/lib/destinations/sentry";
import type { OutboundRequest, OutboundTrace } from "@/lib/destinations/types";
import { weaveProfile } from "@/lib/destinations/weave";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";
import { decodedSpans, decodeOtlp } from "../../receivers/otlp";

/** The previous encoder, as it was: protobufjs from the official protos, ids converted to bytes. */
function protobufjsEncode(request: ExportTraceServiceRequest): Buffer {
  const hex = (id: string) => Buffer.from(id, "hex");
  const wire = {
    resourceSpans: request.resourceSpans.map((rs) => ({
      resource: rs.resource,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope,
        spans: ss.spans.map((s) => ({ ...s, traceId: hex(s.traceId), spanId: hex(s.spanId), ...(s.parentSpanId ? { parentSpanId: hex(s.parentSpanId) } : {}) })),
      })),
    })),
  };
  return Buffer.from(exportTraceServiceRequestType().encode(wire).finish());
}

const base = sampleTrace();
const trace = (id: string, overrides: Partial<Trace> = {}) => outbound(sampleTrace({ id, ...overrides }), 1, `dlv-${id}`);
const huge = "Weather ☀️ in Zürich, 東京 and القاهرة. ".repeat(9000); // ~350 KB, multi-byte, 3-byte length prefixes

/** Batches that exercise every path of the writers. */
const BATCHES: Record<string, OutboundTrace[]> = {
  unicode: [
    trace("gen-unicode", {
      user: "usér-😀",
      session_id: "セッション",
      request: { ...base.request, messages: [{ role: "user", content: "Ünïcødé 😀 مرحبا 你好 \u0000 nul and \u200d zero-width" }] },
      // Lengths around the short-string path (42/43 UTF-16 units) and the one-byte length (127/128 bytes).
      metadata: { a42: "x".repeat(42), a43: "x".repeat(43), b127: "y".repeat(127), b128: "y".repeat(128), e42: "é".repeat(42), emoji21: "😀".repeat(21) },
    }),
  ],
  huge: [trace("gen-huge", { response: { ...base.response, messages: [{ role: "assistant", content: huge }] } }), trace("gen-small")],
  empty: [
    trace("gen-empty", {
      user: null,
      session_id: null,
      metadata: { blank: "", emptyArray: [], emptyObject: {}, nothing: null, zero: 0, no: false },
      request: { messages: [], tools: [], parameters: {} },
      response: { id: null, model: null, messages: [] },
      trace: { trace_id: null, trace_name: null, span_name: null, generation_name: null, parent_span_id: null },
      finish_reason: null,
    } as unknown as Partial<Trace>),
  ],
  int64: [
    trace("gen-int64", {
      usage: { input_tokens: 0, output_tokens: 2 ** 53 + 2, total_tokens: -1, cached_tokens: -(2 ** 62), reasoning_tokens: 2 ** 63 - 1024 },
      metadata: { max_safe: Number.MAX_SAFE_INTEGER, min_safe: Number.MIN_SAFE_INTEGER, negative: -42, fraction: 0.5, big: 2 ** 70 },
      // The epoch itself, and beyond 2^63 ns (year 2262): fixed64 is unsigned.
      timing: { ...base.timing, start: "1970-01-01T00:00:00.000Z", end: "2500-01-01T00:00:00.000Z" },
    }),
  ],
  nested: [
    trace("gen-nested", {
      metadata: { tags: ["a", "b", "c"], mixed: [1, "a", true], nested: { deep: { list: [1, 2, { x: "y" }] } }, flag: true, ratio: 0.25 },
      request: { ...base.request, parameters: { temperature: 0.7, stop: "\n\n", seed: 42, logit_bias: null, custom: "x" } },
    }),
  ],
  services: [
    trace("gen-svc-a", { api_key_name: "checkout" }),
    trace("gen-svc-b", { api_key_name: "search" }),
    trace("gen-svc-c", { api_key_name: "checkout", status: "error", error: { code: "rate_limited", status: 429, message: "Too many requests ⏳" } } as Partial<Trace>),
    trace("gen-svc-d", { trace: { ...base.trace, trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", parent_span_id: "00f067aa0ba902b7" } }),
  ],
  privacy: [outbound(applyPrivacy(sampleTrace({ id: "gen-private" })), 0.5, "dlv-private")],
};

/** Every OTLP destination: a config and the profile its encode uses. */
const OTLP_DESTINATIONS: Record<string, { config: Record<string, unknown>; profile: OtlpProfile }> = {
  arize: { config: { apiKey: "ak", spaceKey: "sk", modelId: "weather-bot" }, profile: arizeProfile("weather-bot") },
  dynatrace: { config: { environmentUrl: "https://abc12345.live.dynatrace.com", apiToken: "dt0c01.x" }, profile: dynatraceProfile },
  middleware: { config: { baseUrl: "https://acme.middleware.io", accountKey: "mw_x" }, profile: {} },
  phoenix: { config: { baseUrl: "https://phoenix.example", projectName: "weather" }, profile: openInferenceProfile("weather") },
  grafana: { config: { endpoint: "https://otlp-gateway.example/otlp", instanceId: "123456", apiKey: "glc_x" }, profile: {} },
  langfuse: { config: { secretKey: "sk-lf-1", publicKey: "pk-lf-1" }, profile: langfuseProfile },
  langsmith: { config: { apiKey: "lsv2_x" }, profile: langsmithProfile },
  newrelic: { config: { licenseKey: "NRAK-1" }, profile: newRelicProfile },
  "otel-collector": { config: { endpoint: "https://collector.example/v1/traces", encoding: "protobuf" }, profile: {} },
  ramp: { config: { apiKey: "ramp_x" }, profile: {} },
  sentry: { config: { dsn: "https://abc123@o1.ingest.sentry.io/42", otlpEndpoint: "https://o1.ingest.sentry.io/api/42/integration/otlp/v1/traces" }, profile: sentryProfile },
  weave: { config: { apiKey: "wandb_x", entity: "acme", project: "weather" }, profile: weaveProfile("acme", "weather") },
  webhook: { config: { url: "https://hooks.example/otlp" }, profile: {} },
};

const rawBody = (request: OutboundRequest): Buffer => {
  const body = Buffer.from(request.body);
  return request.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
};

describe("every OTLP destination's requests are what the previous encoder wrote", () => {
  it("covers every destination in the registry that sends OTLP", () => {
    // The destinations whose file builds its requests with the shared OTLP encoder.
    const folder = path.join(process.cwd(), "lib/destinations");
    const sendsOtlp = fs
      .readdirSync(folder)
      .filter((file) => file.endsWith(".ts") && /\b(otlpRequests|otlpBodies|platformOtlpRequests)\(/.test(fs.readFileSync(path.join(folder, file), "utf8")))
      .map((file) => /\btype: "([^"]+)"/.exec(fs.readFileSync(path.join(folder, file), "utf8"))?.[1])
      .filter((type) => type !== undefined && DESTINATIONS.has(type));
    expect(sendsOtlp.sort()).toEqual(Object.keys(OTLP_DESTINATIONS).sort());
  });

  for (const [type, { config, profile }] of Object.entries(OTLP_DESTINATIONS)) {
    for (const [name, traces] of Object.entries(BATCHES)) {
      it(`${type}: ${name}`, () => {
        const def = getDefinition(type)!;
        const parsed = def.config.parse(config) as { serviceName?: string };
        const requests = def.encode!(traces, parsed as never, new Date());
        expect(requests.reduce((n, r) => n + r.traceCount, 0)).toBe(traces.length);
        let offset = 0;
        for (const request of requests) {
          const items = traces.slice(offset, (offset += request.traceCount));
          const expected = tracesToOtlp(items, profile, parsed.serviceName);
          const body = rawBody(request);
          const json = request.headers["content-type"] === "application/json";
          if (json) expect(body.toString("utf8")).toBe(JSON.stringify(expected));
          else expect(body.equals(protobufjsEncode(expected))).toBe(true);
          // An independent decoder reads the same spans as the JSON form of the request describes.
          expect(decodedSpans(decodeOtlp(body, json ? "json" : "protobuf"))).toEqual(decodedSpans(decodeOtlp(Buffer.from(JSON.stringify(expected)), "json")));
        }
      });
    }
  }
});

describe("the protobuf writer", () => {
  it("writes what protobufjs writes for a whole request, several services and every edge case at once", () => {
    const request = tracesToOtlp(Object.values(BATCHES).flat());
    expect(request.resourceSpans.length).toBeGreaterThan(1);
    expect(Buffer.from(encodeOtlpProtobuf(request)).equals(protobufjsEncode(request))).toBe(true);
  });

  it("keeps int64 values exact over the whole range, and sends a double where int64 cannot hold the value", () => {
    const type = exportTraceServiceRequestType();
    const body = encodeOtlpProtobuf(tracesToOtlp(BATCHES.int64, { traceSpan: false }));
    const decoded = type.toObject(type.decode(body), { longs: String, defaults: true }) as ExportTraceServiceRequest;
    const [span] = decoded.resourceSpans[0].scopeSpans[0].spans.filter((s) => s.attributes.some((kv) => kv.key === "gen_ai.operation.name"));
    const value = (key: string) => span.attributes.find((kv) => kv.key === key)?.value;
    expect(value("gen_ai.usage.input_tokens")).toEqual({ intValue: "0" });
    expect(value("gen_ai.usage.output_tokens")).toEqual({ intValue: String(2n ** 53n + 2n) });
    expect(value("gen_ai.usage.total_tokens")).toEqual({ intValue: "-1" });
    expect(value("gen_ai.usage.cache_read.input_tokens")).toEqual({ intValue: String(-(2n ** 62n)) });
    expect(value("gen_ai.usage.reasoning.output_tokens")).toEqual({ intValue: String(2n ** 63n - 1024n) });
    expect(value("trace.metadata.max_safe")).toEqual({ intValue: String(Number.MAX_SAFE_INTEGER) });
    expect(value("trace.metadata.min_safe")).toEqual({ intValue: String(Number.MIN_SAFE_INTEGER) });
    expect(value("trace.metadata.big")).toEqual({ doubleValue: 2 ** 70 });
    expect(span.startTimeUnixNano).toBe("0");
    expect(span.endTimeUnixNano).toBe(String(BigInt(Date.parse("2500-01-01T00:00:00.000Z")) * 1_000_000n));
  });

  it("writes a lone UTF-16 surrogate as U+FFFD (valid UTF-8), where protobufjs wrote bytes a collector refuses", () => {
    const request = tracesToOtlp([trace("gen-lone", { metadata: { broken: "a\ud800b" } })]);
    const body = Buffer.from(encodeOtlpProtobuf(request));
    expect(body.includes(Buffer.from("a\ufffdb"))).toBe(true);
    const [span] = decodedSpans(decodeOtlp(body, "protobuf"));
    expect(span.attributes["trace.metadata.broken"]).toBe("a\ufffdb");
    // The previous encoder's bytes for it (ED A0 80) are not UTF-8.
    expect(protobufjsEncode(request).includes(Buffer.from([0xed, 0xa0, 0x80]))).toBe(true);
  });
});

describe("encoding once per batch", () => {
  it("splits into requests within the byte limit, each equal to a whole encode of its traces", () => {
    const traces = Array.from({ length: 30 }, (_, i) => trace(`gen-split-${i}`, { api_key_name: i % 3 === 0 ? "checkout" : "search" }));
    const oneTrace = encodeOtlpProtobuf(tracesToOtlp([traces[0]])).byteLength;
    for (const encoding of ["protobuf", "json"] as const) {
      const requests = otlpRequests(traces, { url: "http://collector/v1/traces", encoding, headers: {}, serviceName: undefined, limits: { maxItems: 100, maxBytes: oneTrace * 4 } });
      expect(requests.length).toBeGreaterThan(5);
      let offset = 0;
      for (const request of requests) {
        const items = traces.slice(offset, (offset += request.traceCount));
        expect(typeof request.body === "string" ? Buffer.byteLength(request.body) : request.body.byteLength).toBeLessThanOrEqual(oneTrace * 4);
        const expected = tracesToOtlp(items);
        if (encoding === "json") expect(request.body).toBe(JSON.stringify(expected));
        else expect(Buffer.from(request.body).equals(protobufjsEncode(expected))).toBe(true);
      }
      expect(offset).toBe(traces.length);
    }
  });
});

// For every HTTP-based native destination: privacy mode leaves no prompt/completion and no empty-content
// artefacts while keeping usage, and one delivery batch is split so each request respects the
// destination's maxBatch and maxBatchBytes (an oversized single trace is a permanent encode error).
// S3 and ClickHouse are covered against their real servers in s3.test.ts / clickhouse.test.ts.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import braintrust from "@/lib/destinations/braintrust";
import datadog from "@/lib/destinations/datadog";
import { DeliveryError } from "@/lib/outbound/errors";
import opik from "@/lib/destinations/opik";
import posthog from "@/lib/destinations/posthog";
import snowflake, { snowflakeRequests } from "@/lib/destinations/snowflake";
import type { DestinationDefinition, OutboundRequest, OutboundTrace } from "@/lib/destinations/types";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { NO_CONTEXT, PRIVATE_STRINGS, recent, variants } from "./fixtures";

type Case = {
  def: DestinationDefinition;
  encode: (traces: OutboundTrace[]) => OutboundRequest[];
  inputTokens: string;
  /** A single trace over maxBatchBytes still goes, alone, up to this size (Snowflake's statement limit is advisory). */
  aloneUpToBytes?: number;
};

function viaEncode(def: DestinationDefinition, config: Record<string, unknown>, inputTokens: string): Case {
  const parsed = def.config.parse(config);
  return { def, encode: (traces) => def.encode!(traces, parsed, new Date()), inputTokens };
}

const CASES: Record<string, Case> = {
  posthog: viaEncode(posthog, { apiKey: "phc_x" }, '"$ai_input_tokens":42'),
  datadog: viaEncode(datadog, { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app" }, '"input_tokens":42'),
  opik: viaEncode(opik, { apiKey: "k", workspace: "w", projectName: "p" }, '"prompt_tokens":42'),
  braintrust: viaEncode(braintrust, { apiKey: "k", projectId: "p" }, '"prompt_tokens":42'),
  snowflake: (() => {
    const config = snowflake.config.parse({ account: "acme-prod", token: "t" });
    return {
      def: snowflake,
      encode: (traces: OutboundTrace[]) => snowflakeRequests(traces, config),
      inputTokens: '{"type":"FIXED","value":"42"}',
      aloneUpToBytes: 8 * 1024 * 1024,
    };
  })(),
};

const bodyText = (r: OutboundRequest) =>
  typeof r.body === "string" ? r.body : (r.headers["content-encoding"] === "gzip" ? gunzipSync(r.body) : Buffer.from(r.body)).toString("utf8");

/** A trace without trace context whose prompt is `bytes` long. */
function bulky(id: string, bytes: number): OutboundTrace {
  return outbound(recent(sampleTrace({ id, trace: NO_CONTEXT, request: { ...sampleTrace().request, messages: [{ role: "user", content: "x".repeat(bytes) }] } })));
}

describe.each(Object.entries(CASES))("%s", (_name, { def, encode, inputTokens, aloneUpToBytes }) => {
  it("privacy mode: no prompt or completion, no empty-content artefacts, usage kept", () => {
    const v = variants();
    const privateBodies = encode([v.privacy]).map(bodyText).join("\n");
    for (const s of PRIVATE_STRINGS) expect(privateBodies).not.toContain(s);
    expect(privateBodies).not.toMatch(/"content":null|"messages":\[\]|"\$ai_input"|"\$ai_output_choices"/);
    expect(privateBodies).toContain(inputTokens); // usage survives
    // Same trace without privacy mode does carry the conversation (the assertion above can fail).
    expect(encode([v.nested]).map(bodyText).join("\n")).toContain("weather in Paris");
  });

  it(`splits a batch at maxBatch (${def.maxBatch}) traces per request`, () => {
    const traces = Array.from({ length: def.maxBatch * 2 + 1 }, (_, i) => outbound(recent(sampleTrace({ id: `gen-${i}`, trace: NO_CONTEXT }))));
    const requests = encode(traces);
    // Opik sends two requests (traces, spans) per group; the others one.
    const distinct = new Set(requests.map((r) => r.url.split("?")[0]));
    expect(requests.length / distinct.size).toBe(3);
    expect(requests.every((r) => r.traceCount <= def.maxBatch)).toBe(true);
    expect(requests.reduce((n, r) => n + r.traceCount, 0)).toBe(traces.length * distinct.size);
  });

  it("splits a batch so no request exceeds maxBatchBytes, and refuses a trace that cannot fit", () => {
    const max = def.maxBatchBytes!;
    const size = Math.floor(max / 2.5);
    const requests = encode([bulky("big-1", size), bulky("big-2", size), bulky("big-3", size)]);
    for (const r of requests) expect(Buffer.byteLength(bodyText(r))).toBeLessThanOrEqual(max);
    expect(requests.filter((r) => !r.url.includes("/spans/")).map((r) => r.traceCount)).toEqual([2, 1]);
    if (aloneUpToBytes) {
      const requests = encode([bulky("oversized-trace", max), bulky("small-trace", 1000)]);
      expect(requests.map((r) => r.traceCount)).toEqual([1, 1]);
      expect(requests.filter((r) => bodyText(r).includes("oversized-trace"))).toHaveLength(1);
    }
    const tooBig = (() => {
      try {
        encode([bulky("huge", aloneUpToBytes ?? max)]);
      } catch (err) {
        return err;
      }
    })();
    expect(tooBig).toBeInstanceOf(DeliveryError);
    expect(tooBig).toMatchObject({ kind: "encode", retryable: false });
  });
});

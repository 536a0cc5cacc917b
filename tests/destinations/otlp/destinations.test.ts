// Every OTLP destination delivered through the real path (deliverBatch → send → HTTP) to the
// local OTLP receiver, which decodes with the official protos and rejects invalid bodies.
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fieldsOf, secretKeysOf } from "@/lib/destinations/define";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, deliverTraces, runDestinationTest } from "@/lib/destinations/http";
import { send } from "@/lib/outbound/send";
import { DYNATRACE_MAX_BYTES, DYNATRACE_MAX_SPAN_ATTRIBUTES, dynatraceTracesUrl } from "@/lib/destinations/dynatrace";
import { langfuseUsageDetails } from "@/lib/destinations/langfuse";
import { NEW_RELIC_ENDPOINTS, NEW_RELIC_MAX_BYTES } from "@/lib/destinations/newrelic";
import { getDefinition } from "@/lib/destinations/registry";
import type { OutboundTrace } from "@/lib/destinations/types";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { openApiValidator, SPECS_AVAILABLE, SPECS_MISSING_REASON } from "../../contracts/openapi";
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver, type ReceivedRequest } from "../../receivers/otlp";

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

const trace = outbound(sampleTrace(), 1, "dlv-1");

function definition(type: string) {
  const def = getDefinition(type);
  if (!def) throw new Error(`${type} is not registered`);
  return def;
}

/** Parses `config` with the destination's schema (defaults applied) and delivers `traces`. */
async function deliver(type: string, config: Record<string, unknown>, traces: OutboundTrace[] = [trace]): Promise<ReceivedRequest> {
  const def = definition(type);
  await deliverBatch(def, traces, def.config.parse(config));
  expect(receiver.rejected).toEqual([]);
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0];
}

const byName = (spans: DecodedSpan[], name: string) => spans.find((s) => s.name === name)!;
const rootOf = (spans: DecodedSpan[]) => byName(spans, "Weather question");
const generationOf = (spans: DecodedSpan[]) => byName(spans, "Weather LLM call");
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("config forms", () => {
  it("use OpenRouter's camelCase keys, defaults and secret flags", () => {
    const form = (type: string) => Object.fromEntries(fieldsOf(definition(type)).map((f) => [f.key, { required: f.required, secret: f.secret === true, default: f.default }]));
    expect(secretKeysOf(definition("arize"))).toEqual(["apiKey", "spaceKey", "headers"]);
    expect(secretKeysOf(definition("grafana"))).toEqual(["apiKey", "headers"]);
    expect(secretKeysOf(definition("langfuse"))).toEqual(["secretKey", "publicKey", "headers"]);
    expect(secretKeysOf(definition("langsmith"))).toEqual(["apiKey", "headers"]);
    expect(secretKeysOf(definition("newrelic"))).toEqual(["licenseKey", "headers"]);
    expect(secretKeysOf(definition("sentry"))).toEqual(["dsn", "headers"]);
    expect(secretKeysOf(definition("weave"))).toEqual(["apiKey", "headers"]);
    expect(secretKeysOf(definition("webhook"))).toEqual(["headers", "secret", "previousSecret"]);
    expect(form("arize")).toMatchObject({ modelId: { required: true }, baseUrl: { required: false, default: "https://otlp.arize.com" } });
    expect(form("langfuse").baseUrl.default).toBe("https://us.cloud.langfuse.com");
    expect(form("langsmith")).toMatchObject({ project: { default: "main" }, endpoint: { default: "https://api.smith.langchain.com" }, workspaceId: { required: false } });
    expect(form("newrelic").region.default).toBe("us");
    expect(form("weave").baseUrl.default).toBe("https://trace.wandb.ai");
    expect(form("otel-collector")).toMatchObject({ endpoint: { required: true }, encoding: { default: "json" } });
    expect(form("sentry")).toMatchObject({ otlpEndpoint: { required: true }, dsn: { required: true, secret: true } });
    expect(form("webhook")).toMatchObject({ url: { required: true }, method: { default: "POST" }, secret: { required: false } });
    expect(secretKeysOf(definition("ramp"))).toEqual(["apiKey", "headers"]);
    expect(form("ramp")).toMatchObject({ apiKey: { required: true }, baseUrl: { required: false, default: "https://api.ramp.com/developer/v1/ai-usage/openrouter" } });
    expect(secretKeysOf(definition("dynatrace"))).toEqual(["apiToken", "headers"]);
    expect(form("dynatrace")).toMatchObject({ environmentUrl: { required: true }, apiToken: { required: true, secret: true } });
    expect(secretKeysOf(definition("phoenix"))).toEqual(["apiKey", "headers"]);
    expect(form("phoenix")).toMatchObject({ baseUrl: { required: true }, apiKey: { required: false, secret: true }, projectName: { required: false, default: "default" } });
    expect(secretKeysOf(definition("middleware"))).toEqual(["accountKey", "headers"]);
    expect(form("middleware")).toMatchObject({ baseUrl: { required: true }, accountKey: { required: true, secret: true } });
    for (const type of ["arize", "middleware", "phoenix", "dynatrace", "grafana", "langfuse", "langsmith", "newrelic", "otel-collector", "ramp", "sentry", "weave", "webhook"]) {
      // Custom header values are secrets (the names are not: lib/outbound/masking.ts).
      expect(form(type).headers, type).toMatchObject({ required: false, secret: true, default: {} });
    }
  });
});

describe("service.name", () => {
  const port = () => new URL(receiver.url).port;
  /** A valid config of every destination built on the OTLP encoder (requests are redirected to the receiver). */
  const otlpConfigs = (): Record<string, Record<string, unknown>> => ({
    arize: { apiKey: "ak", spaceKey: "space", modelId: "bot" },
    phoenix: { baseUrl: receiver.url, apiKey: "phx" },
    dynatrace: { environmentUrl: receiver.url, apiToken: "dt0c01.x" },
    grafana: { instanceId: "1", apiKey: "glc_x" },
    langfuse: { publicKey: "pk-lf-1", secretKey: "sk-lf-1" },
    langsmith: { apiKey: "lsv2_pt_1" },
    middleware: { baseUrl: receiver.url, accountKey: "mw" },
    newrelic: { licenseKey: "NRAK" },
    "otel-collector": { endpoint: `${receiver.url}/v1/traces` },
    ramp: { apiKey: "ramp-key" },
    sentry: { otlpEndpoint: `${receiver.url}/api/456/integration/otlp/v1/traces`, dsn: `https://k@127.0.0.1:${port()}/456` },
    weave: { apiKey: "k", entity: "acme", project: "p" },
    webhook: { url: `${receiver.url}/hook` },
  });

  /** Encodes with the destination's own encoder and sends the requests to the receiver. */
  async function resourcesOf(type: string, config: Record<string, unknown>, traces: OutboundTrace[]) {
    receiver.reset();
    const def = definition(type);
    for (const r of def.encode!(traces, def.config.parse(config), new Date())) await send({ ...r, url: `${receiver.url}/v1/traces` }, { timeoutMs: 5000 });
    expect(receiver.rejected).toEqual([]);
    return receiver.requests.flatMap((r) => (r.decoded.resourceSpans as { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[]).map((rs) => rs.resource));
  }
  const serviceNames = (resources: { attributes: { key: string; value: { stringValue?: string } }[] }[]) =>
    resources.map((r) => r.attributes.find((a) => a.key === "service.name")?.value.stringValue);

  it("is a setting of every OTLP destination: optional, shown in the form, validated", () => {
    for (const type of Object.keys(otlpConfigs())) {
      const serviceName = fieldsOf(definition(type)).find((f) => f.key === "serviceName");
      expect(serviceName, type).toMatchObject({ label: "Service name", required: false, widget: "text" });
      expect(serviceName?.secret, type).toBeUndefined();
      const schema = definition(type).config;
      const config = otlpConfigs()[type];
      expect(schema.parse({ ...config, serviceName: "  checkout-api " }).serviceName, type).toBe("checkout-api");
      expect(schema.safeParse({ ...config, serviceName: "a\nb" }).error?.issues[0], type).toMatchObject({ path: ["serviceName"], message: "Service name cannot contain control characters" });
      expect(schema.safeParse({ ...config, serviceName: "x".repeat(256) }).error?.issues[0], type).toMatchObject({ path: ["serviceName"], message: "Service name is too long" });
    }
  });

  it("is the configured name on every span, else each trace's API key name, else tracecast", async () => {
    const staging = outbound(sampleTrace({ id: "gen-staging", api_key_name: "Staging" }));
    const keyless = outbound(sampleTrace({ id: "gen-keyless", api_key_name: null }));
    for (const [type, config] of Object.entries(otlpConfigs())) {
      const configured = await resourcesOf(type, { ...config, serviceName: "checkout-api" }, [trace, staging, keyless]);
      expect(serviceNames(configured), type).toEqual(["checkout-api"]);
      // One resource per service name, in the order the traces came, all in one request.
      const defaulted = await resourcesOf(type, config, [trace, staging, keyless]);
      expect(serviceNames(defaulted), type).toEqual(["Production", "Staging", "tracecast"]);
      expect(receiver.spans().filter((s) => s.attributes["gen_ai.operation.name"]).map((s) => s.resource["service.name"]), type).toEqual(["Production", "Staging", "tracecast"]);
    }
  });
});

describe("OpenTelemetry Collector", () => {
  it("POSTs OTLP/JSON to the endpoint exactly as given, with the custom headers", async () => {
    const req = await deliver("otel-collector", { endpoint: `${receiver.url}/custom/v1/traces`, headers: { Authorization: "Bearer xaat-1", "X-Axiom-Dataset": "llm" } });
    expect(req.path).toBe("/custom/v1/traces");
    expect(req.encoding).toBe("json");
    expect(req.gzip).toBe(false);
    expect(req.headers).toMatchObject({ authorization: "Bearer xaat-1", "x-axiom-dataset": "llm" });
    expect(req.spans.map((s) => s.name)).toEqual(["Weather question", "Answer", "Weather LLM call"]);
    expect(generationOf(req.spans).resource).toMatchObject({ "service.name": "Production", "service.version": expect.any(String) });
    expect(generationOf(req.spans).scope.name).toBe("tracecast");
  });

  it("sends OTLP/protobuf when chosen", async () => {
    const req = await deliver("otel-collector", { endpoint: `${receiver.url}/v1/traces`, encoding: "protobuf" });
    expect(req.encoding).toBe("protobuf");
    expect(req.headers["content-type"]).toBe("application/x-protobuf");
    expect(generationOf(req.spans).attributes["gen_ai.usage.input_tokens"]).toBe(42);
  });

  it("passes the collector's answer on: 429 + Retry-After is retryable, 400 permanent", async () => {
    receiver.respondWith({ status: 429, headers: { "retry-after": "3" } }, { status: 400 });
    const def = definition("otel-collector");
    const config = def.config.parse({ endpoint: `${receiver.url}/v1/traces` });
    const throttled = await deliverBatch(def, [trace], config).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(DeliveryError);
    expect(throttled).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000 });
    const rejected = await deliverBatch(def, [trace], config).catch((e: unknown) => e);
    expect(rejected).toMatchObject({ status: 400, retryable: false });
  });
});

it("a collector that does not answer within the attempt's deadline is a retryable timeout", async () => {
  receiver.respondWith({ delayMs: 1500 });
  const def = definition("otel-collector");
  const [request] = def.encode!([trace], def.config.parse({ endpoint: `${receiver.url}/v1/traces` }), new Date());
  const error = await send(request, { timeoutMs: 300 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ kind: "timeout", retryable: true });
  expect(receiver.requests).toHaveLength(1);
});

describe("Ramp", () => {
  it("POSTs OTLP/JSON traces to {baseUrl}/v1/traces with the Ramp API key as a bearer token, custom headers added", async () => {
    const req = await deliver("ramp", { apiKey: "ramp_ai_usage_key", baseUrl: `${receiver.url}/developer/v1/ai-usage/openrouter/`, headers: { "X-Ramp-Env": "sandbox", Authorization: "Bearer not-this" } });
    expect(req.path).toBe("/developer/v1/ai-usage/openrouter/v1/traces");
    expect(req.encoding).toBe("json");
    expect(req.headers).toMatchObject({ authorization: "Bearer ramp_ai_usage_key", "x-ramp-env": "sandbox" });
    const generation = generationOf(req.spans);
    // What Ramp's AI spend views read: model, provider, tokens and the caller's cost, per user and session.
    expect(generation.attributes).toMatchObject({ "gen_ai.request.model": trace.model, "gen_ai.usage.input_tokens": 42, "user.id": trace.user, "session.id": trace.session_id });
    expect(generation.attributes["gen_ai.usage.total_cost"]).toBe(trace.cost.total);
  });

  it("defaults to Ramp's OpenRouter endpoint", () => {
    const def = definition("ramp");
    expect(def.encode!([trace], def.config.parse({ apiKey: "k" }), new Date())[0].url).toBe("https://api.ramp.com/developer/v1/ai-usage/openrouter/v1/traces");
  });
});

describe("Grafana Cloud", () => {
  it("sends gzipped OTLP/protobuf to {baseUrl}/otlp/v1/traces with Basic instanceId:apiKey", async () => {
    const req = await deliver("grafana", { baseUrl: `${receiver.url}/otlp/`, instanceId: "123456", apiKey: "glc_secret" });
    expect(req.path).toBe("/otlp/v1/traces");
    expect(req.encoding).toBe("protobuf");
    expect(req.gzip).toBe(true);
    expect(req.headers.authorization).toBe(basic("123456", "glc_secret"));
    expect(req.spans).toHaveLength(3);
  });

  it("defaults to the prod-us-west-0 gateway and requires a numeric instance id", () => {
    const def = definition("grafana");
    const config = def.config.parse({ instanceId: "1", apiKey: "glc_x" });
    expect(def.encode!([trace], config, new Date())[0].url).toBe("https://otlp-gateway-prod-us-west-0.grafana.net/otlp/v1/traces");
    const bad = def.config.safeParse({ instanceId: "stack-1", apiKey: "glc_x" });
    expect(bad.error?.issues[0]).toMatchObject({ path: ["instanceId"], message: "Instance ID must be the numeric instance ID of your stack" });
  });
});

describe("New Relic", () => {
  const def = definition("newrelic");

  it("targets the region's OTLP endpoint with the license key in api-key, protobuf + gzip", async () => {
    const us = def.encode!([trace], def.config.parse({ licenseKey: "NRAK-LICENSE" }), new Date());
    expect(us[0].url).toBe(NEW_RELIC_ENDPOINTS.us);
    expect(us[0].url).toBe("https://otlp.nr-data.net/v1/traces");
    expect(def.encode!([trace], def.config.parse({ licenseKey: "x", region: "eu" }), new Date())[0].url).toBe("https://otlp.eu01.nr-data.net/v1/traces");
    // New Relic's host is fixed: send the encoded request to the receiver instead.
    await send({ ...us[0], url: `${receiver.url}/v1/traces` }, { timeoutMs: 5000 });
    const [req] = receiver.requests;
    expect(req.headers["api-key"]).toBe("NRAK-LICENSE");
    expect(req).toMatchObject({ encoding: "protobuf", gzip: true });
    expect(generationOf(req.spans).attributes["gen_ai.request.model"]).toBe("openai/gpt-4o-mini");
  });

  it("cuts attribute values to 4095 characters and splits requests at 1 MB", async () => {
    const long = "é".repeat(30_000);
    const traces = Array.from({ length: 40 }, (_, i) =>
      outbound(sampleTrace({ id: `gen-${i}`, request: { ...sampleTrace().request, messages: [{ role: "user", content: long }] }, metadata: { note: long } })),
    );
    const requests = def.encode!(traces, def.config.parse({ licenseKey: "x" }), new Date());
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) await send({ ...r, url: `${receiver.url}/v1/traces` }, { timeoutMs: 5000 });
    expect(receiver.requests.length).toBe(requests.length);
    for (const req of receiver.requests) {
      expect(req.body.byteLength).toBeLessThanOrEqual(NEW_RELIC_MAX_BYTES);
      for (const span of req.spans) for (const value of Object.values(span.attributes)) if (typeof value === "string") expect(value.length).toBeLessThanOrEqual(4095);
    }
    expect(receiver.spans().filter((s) => s.attributes["gen_ai.operation.name"]).length).toBe(40);
    expect((generationOf(receiver.spans()).attributes["trace.metadata.note"] as string).length).toBe(4095);
  });
});

describe("Dynatrace", () => {
  const def = definition("dynatrace");
  const endedAgo = (id: string, ms: number) => {
    const end = Date.now() - ms;
    return outbound(sampleTrace({ id, timing: { start: new Date(end - 1530).toISOString(), end: new Date(end).toISOString(), duration_ms: 1530, time_to_first_token_ms: 310 } }));
  };

  it("POSTs gzipped OTLP/protobuf to {environment URL}/api/v2/otlp/v1/traces with Authorization: Api-Token", async () => {
    const req = await deliver("dynatrace", { environmentUrl: `${receiver.url}/e/abc12345/`, apiToken: "dt0c01.PUBLIC.SECRET", headers: { Authorization: "Bearer not-this", "X-Tenant": "acme" } }, [endedAgo("gen-dt", 1000)]);
    expect(req.path).toBe("/e/abc12345/api/v2/otlp/v1/traces");
    expect(req).toMatchObject({ encoding: "protobuf", gzip: true });
    expect(req.headers).toMatchObject({ authorization: "Api-Token dt0c01.PUBLIC.SECRET", "x-tenant": "acme", "content-type": "application/x-protobuf" });
    expect(generationOf(req.spans).attributes).toMatchObject({ "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.usage.input_tokens": 42 });
  });

  it("accepts the SaaS, Managed and ActiveGate environment URLs, the web UI address and a pasted OTLP path", () => {
    expect(dynatraceTracesUrl("https://abc12345.live.dynatrace.com")).toBe("https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces");
    expect(dynatraceTracesUrl("https://abc12345.apps.dynatrace.com/")).toBe("https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces");
    expect(dynatraceTracesUrl("https://ag.example.com:9999/e/abc12345")).toBe("https://ag.example.com:9999/e/abc12345/api/v2/otlp/v1/traces");
    expect(dynatraceTracesUrl("https://dt.example.com/e/abc12345/api/v2/otlp/v1/traces")).toBe("https://dt.example.com/e/abc12345/api/v2/otlp/v1/traces");
    expect(def.config.safeParse({ environmentUrl: "https://abc12345.live.dynatrace.com", apiToken: "Api-Token dt0c01.x" }).error?.issues[0]).toMatchObject({
      path: ["apiToken"],
      message: "Access Token must be the token alone, without spaces or an Api-Token prefix",
    });
  });

  it("keeps every span within 128 attributes, dropping the caller's last metadata keys first", async () => {
    const metadata = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key_${String(i).padStart(3, "0")}`, `value ${i}`]));
    const [request] = def.encode!([outbound({ ...endedAgo("gen-wide", 1000), metadata })], def.config.parse({ environmentUrl: "https://abc12345.live.dynatrace.com", apiToken: "t" }), new Date());
    await send({ ...request, url: `${receiver.url}/v1/traces` }, { timeoutMs: 5000 });
    const spans = receiver.spans();
    expect(spans).toHaveLength(3);
    for (const span of spans) {
      expect(Object.keys(span.attributes).length).toBe(DYNATRACE_MAX_SPAN_ATTRIBUTES);
      expect(span.attributes["trace.metadata.key_000"]).toBe("value 0");
      expect(span.attributes["trace.metadata.key_199"]).toBeUndefined();
    }
    const generation = generationOf(spans).attributes;
    for (const key of ["gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.input.messages", "user.id", "session.id", "tracecast.generation.id"]) expect(generation[key], key).toBeDefined();
  });

  it("splits requests to stay within 8 MB", () => {
    const long = "é".repeat(150_000);
    const traces = Array.from({ length: 40 }, (_, i) => outbound({ ...endedAgo(`gen-big-${i}`, 1000), request: { ...sampleTrace().request, messages: [{ role: "user", content: long }] } }));
    const requests = def.encode!(traces, def.config.parse({ environmentUrl: "https://abc12345.live.dynatrace.com", apiToken: "t" }), new Date());
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(gunzipSync(r.body as Uint8Array).byteLength).toBeLessThanOrEqual(DYNATRACE_MAX_BYTES);
    expect(requests.reduce((n, r) => n + r.traceCount, 0)).toBe(40);
  });

  it("refuses a trace that ended over 60 minutes ago, with the reason, and delivers the rest of its batch", async () => {
    const config = def.config.parse({ environmentUrl: receiver.url, apiToken: "dt0c01.x" });
    const { failed } = await deliverTraces(def, [endedAgo("gen-fresh", 59 * 60 * 1000), endedAgo("gen-stale", 61 * 60 * 1000)], config);
    expect([...failed.keys()]).toEqual(["dlv-gen-stale"]);
    expect(failed.get("dlv-gen-stale")).toMatchObject({ retryable: false });
    expect(failed.get("dlv-gen-stale")!.message).toMatch(/^Dynatrace drops spans that ended more than 60 minutes before they arrive/);
    expect(receiver.spans().map((s) => s.attributes["tracecast.generation.id"]).filter(Boolean)).toEqual(["gen-fresh"]);
  });

  it("Test connection sends the synthetic trace and reports Dynatrace's answer", async () => {
    const config = def.config.parse({ environmentUrl: receiver.url, apiToken: "dt0c01.x" });
    expect(await runDestinationTest(def, config)).toMatchObject({ ok: true, status: 200 });
    receiver.respondWith({ status: 401, body: '{"error":{"code":401,"message":"Token Authentication failed"}}' });
    const denied = await runDestinationTest(def, config);
    expect(denied).toMatchObject({ ok: false, status: 401, message: "Dynatrace is reachable, but rejected the test trace (401)" });
    expect(denied.request?.headers.authorization).not.toContain("dt0c01.x");
  });
});

describe("Middleware", () => {
  const def = definition("middleware");

  it("POSTs gzipped OTLP/protobuf to {Middleware URL}/v1/traces with the account key as the bare authorization value", async () => {
    const req = await deliver("middleware", { baseUrl: `${receiver.url}/`, accountKey: "mw_account_key_1", headers: { Authorization: "Bearer not-this", "X-Env": "prod" } });
    expect(req.path).toBe("/v1/traces");
    expect(req).toMatchObject({ encoding: "protobuf", gzip: true });
    expect(req.headers).toMatchObject({ authorization: "mw_account_key_1", "x-env": "prod", "content-type": "application/x-protobuf" });
    expect(generationOf(req.spans).attributes).toMatchObject({ "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.usage.output_tokens": 17, "user.id": "user_42" });
    expect(generationOf(req.spans).resource["service.name"]).toBe("Production");
  });

  it("accepts the account URL with or without the traces path, and rejects a key with spaces", () => {
    const url = (baseUrl: string) => def.encode!([trace], def.config.parse({ baseUrl, accountKey: "k" }), new Date())[0].url;
    expect(url("https://abc123.middleware.io")).toBe("https://abc123.middleware.io/v1/traces");
    expect(url("https://abc123.middleware.io:443/v1/traces")).toBe("https://abc123.middleware.io:443/v1/traces");
    expect(def.config.safeParse({ baseUrl: "https://abc123.middleware.io", accountKey: "Bearer abc" }).error?.issues[0]).toMatchObject({
      path: ["accountKey"],
      message: "Account Key must be the key alone, without spaces",
    });
  });

  it("Test connection reports Middleware's answer, the key masked in the request shown", async () => {
    const config = def.config.parse({ baseUrl: receiver.url, accountKey: "mw_account_key_1" });
    expect(await runDestinationTest(def, config)).toMatchObject({ ok: true, status: 200 });
    receiver.respondWith({ status: 401, body: "invalid account key" });
    const denied = await runDestinationTest(def, config);
    expect(denied).toMatchObject({ ok: false, status: 401, message: "Middleware is reachable, but rejected the test trace (401)" });
    expect(JSON.stringify(denied.request)).not.toContain("mw_account_key_1");
  });
});

describe("Arize AX", () => {
  it("sends OpenInference spans to {baseUrl}/v1/traces with the space and API key headers and the project as resource", async () => {
    const req = await deliver("arize", { apiKey: "ak-1", spaceKey: "U3BhY2U6MQ==", modelId: "support-bot", baseUrl: receiver.url });
    expect(req.path).toBe("/v1/traces");
    expect(req.headers).toMatchObject({ "arize-space-id": "U3BhY2U6MQ==", "arize-api-key": "ak-1" });
    const generation = generationOf(req.spans);
    expect(generation.resource).toMatchObject({ "openinference.project.name": "support-bot", model_id: "support-bot" });
    expect(generation.attributes).toMatchObject({
      "openinference.span.kind": "LLM",
      "llm.model_name": "gpt-4o-mini-2024-07-18",
      "llm.provider": "openai",
      "llm.token_count.prompt": 42,
      "llm.token_count.completion": 17,
      "llm.token_count.total": 59,
      "llm.token_count.prompt_details.cache_read": 8,
      "llm.cost.total": 0.0000165,
      "llm.input_messages.0.message.role": "system",
      "llm.input_messages.1.message.content": "What's the weather in Paris?",
      "llm.output_messages.0.message.role": "assistant",
      "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
      "output.value": "It is 18 °C and sunny in Paris.",
      "input.mime_type": "application/json",
      "session.id": "session-7f3a",
      "user.id": "user_42",
    });
    expect(JSON.parse(generation.attributes.metadata as string)).toEqual(sampleTrace().metadata);
    expect(JSON.parse(generation.attributes["llm.invocation_parameters"] as string)).toEqual({ temperature: 0.2, max_tokens: 256 });
    expect(rootOf(req.spans).attributes["openinference.span.kind"]).toBe("CHAIN");
  });
  it("gives a response with only tool calls an output.value: the tool calls as JSON (none under privacy mode)", async () => {
    const toolCall = { id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } };
    const toolsOnly = sampleTrace({ response: { id: "chatcmpl-9", model: "gpt-4o-mini", messages: [{ role: "assistant", content: null, tool_calls: [toolCall] }] }, finish_reason: "tool_calls" });
    const config = { apiKey: "ak-1", spaceKey: "space", modelId: "support-bot", baseUrl: receiver.url };
    const generation = generationOf((await deliver("arize", config, [outbound(toolsOnly)])).spans);
    expect(generation.attributes["output.mime_type"]).toBe("application/json");
    expect(JSON.parse(generation.attributes["output.value"] as string)).toEqual({ messages: [{ role: "assistant", content: null, tool_calls: [toolCall] }] });
    expect(generation.attributes["llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments"]).toBe('{"city":"Lyon"}');
    // The trace's top span shows the same output.
    expect(rootOf(receiver.requests[0].spans).attributes["output.value"]).toBe(generation.attributes["output.value"]);
    receiver.reset();
    const hidden = generationOf((await deliver("arize", config, [outbound(applyPrivacy(toolsOnly))])).spans);
    expect(hidden.attributes["output.value"]).toBeUndefined();
  });
});

describe("W&B Weave", () => {
  it("sends OTLP/protobuf to {baseUrl}/otel/v1/traces with wandb-api-key and entity/project resource routing", async () => {
    const req = await deliver("weave", { apiKey: "wandb-key", entity: "acme", project: "support", baseUrl: receiver.url });
    expect(req.path).toBe("/otel/v1/traces");
    expect(req.encoding).toBe("protobuf");
    expect(req.headers["wandb-api-key"]).toBe("wandb-key");
    expect(rootOf(req.spans).resource).toMatchObject({ "wandb.entity": "acme", "wandb.project": "support" });
    // The session becomes a Weave thread, the trace one turn of it.
    expect(rootOf(req.spans).attributes).toMatchObject({ "wandb.thread_id": "session-7f3a", "wandb.is_turn": true });
    expect(generationOf(req.spans).attributes["wandb.thread_id"]).toBeUndefined();
  });

  it("puts the provider, total tokens and the caller's cost where Weave's OTel attribute mapping reads them", async () => {
    const req = await deliver("weave", { apiKey: "wandb-key", entity: "acme", project: "support", baseUrl: receiver.url });
    const generation = generationOf(req.spans);
    expect(generation.attributes).toMatchObject({
      "llm.provider": "openai",
      "gen_ai.provider.name": "openai",
      "llm.usage.total_tokens": 59,
      "wandb.attributes.cost.input": 0.0000063,
      "wandb.attributes.cost.output": 0.0000102,
      "wandb.attributes.cost.total": 0.0000165,
    });
    // gen_ai.system would land in Weave's "system" (system prompt) attribute: not sent.
    expect(generation.attributes["gen_ai.system"]).toBeUndefined();
    expect(rootOf(req.spans).attributes["llm.provider"]).toBeUndefined();
  });

  it("rejects an entity with a slash (it is joined as entity/project)", () => {
    const result = definition("weave").config.safeParse({ apiKey: "k", entity: "a/b", project: "p" });
    expect(result.error?.issues[0].path).toEqual(["entity"]);
  });
});

describe("LangSmith", () => {
  it("sends to {endpoint}/otel/v1/traces with x-api-key, Langsmith-Project (default main) and X-Tenant-Id", async () => {
    const req = await deliver("langsmith", { apiKey: "lsv2_pt_1", endpoint: receiver.url, workspaceId: "ws-9" });
    expect(req.path).toBe("/otel/v1/traces");
    expect(req.headers).toMatchObject({ "x-api-key": "lsv2_pt_1", "langsmith-project": "main", "x-tenant-id": "ws-9" });
    const generation = generationOf(req.spans);
    expect(generation.attributes).toMatchObject({
      "langsmith.span.kind": "llm",
      "langsmith.metadata.session_id": "session-7f3a",
      "langsmith.metadata.user_id": "user_42",
      "langsmith.metadata.environment": "production",
      "gen_ai.system": "openai",
    });
    expect(JSON.parse(generation.attributes["gen_ai.prompt"] as string).messages).toHaveLength(2);
    expect(JSON.parse(generation.attributes["gen_ai.completion"] as string).choices[0].message.content).toBe("It is 18 °C and sunny in Paris.");
    expect(rootOf(req.spans).attributes["langsmith.span.kind"]).toBe("chain");
  });

  it("sends the caller's cost in langsmith.usage_metadata and the model as ls_model_name / ls_provider metadata", async () => {
    const req = await deliver("langsmith", { apiKey: "lsv2_pt_1", endpoint: receiver.url });
    const generation = generationOf(req.spans);
    expect(JSON.parse(generation.attributes["langsmith.usage_metadata"] as string)).toEqual({
      input_tokens: 42,
      output_tokens: 17,
      total_tokens: 59,
      input_token_details: { cache_read: 8 },
      output_token_details: { reasoning: 0 },
      input_cost: 0.0000063,
      output_cost: 0.0000102,
      total_cost: 0.0000165,
    });
    expect(generation.attributes).toMatchObject({ "langsmith.metadata.ls_model_name": "gpt-4o-mini-2024-07-18", "langsmith.metadata.ls_provider": "openai" });
    expect(rootOf(req.spans).attributes["langsmith.usage_metadata"]).toBeUndefined();
    // No cost known: LangSmith gets the tokens only (and may estimate); a caller's own ls_model_name wins.
    receiver.reset();
    const unpriced = outbound(sampleTrace({ cost: { input: null, output: null, total: null }, metadata: { ls_model_name: "my-finetune" } }));
    const other = generationOf((await deliver("langsmith", { apiKey: "lsv2_pt_1", endpoint: receiver.url }, [unpriced])).spans);
    expect(Object.keys(JSON.parse(other.attributes["langsmith.usage_metadata"] as string))).not.toContain("total_cost");
    expect(other.attributes["langsmith.metadata.ls_model_name"]).toBe("my-finetune");
  });

  it("omits X-Tenant-Id without a workspace", async () => {
    const req = await deliver("langsmith", { apiKey: "lsv2_pt_1", endpoint: receiver.url, project: "prod" });
    expect(req.headers["x-tenant-id"]).toBeUndefined();
    expect(req.headers["langsmith-project"]).toBe("prod");
  });
});

describe("Langfuse", () => {
  const config = { publicKey: "pk-lf-1", secretKey: "sk-lf-1" };

  it("sends to {baseUrl}/api/public/otel/v1/traces with Basic pk:sk and x-langfuse-ingestion-version: 4", async () => {
    const req = await deliver("langfuse", { ...config, baseUrl: `${receiver.url}/` });
    expect(req.path).toBe("/api/public/otel/v1/traces");
    expect(req.headers.authorization).toBe(basic("pk-lf-1", "sk-lf-1"));
    expect(req.headers["x-langfuse-ingestion-version"]).toBe("4");
    expect(req).toMatchObject({ encoding: "protobuf", gzip: true });
  });

  it("puts trace-level attributes on every span and the generation's details on the generation (v4 ingestion)", async () => {
    const req = await deliver("langfuse", { ...config, baseUrl: receiver.url });
    for (const span of req.spans) {
      expect(span.attributes).toMatchObject({
        "langfuse.trace.name": "Weather question",
        "langfuse.environment": "production",
        "langfuse.release": "2026.11.1",
        "langfuse.trace.metadata.feature": "weather",
        "user.id": "user_42",
        "session.id": "session-7f3a",
      });
    }
    const generation = generationOf(req.spans);
    expect(generation.attributes).toMatchObject({
      "langfuse.observation.type": "generation",
      "langfuse.observation.model.name": "gpt-4o-mini-2024-07-18",
      "langfuse.observation.completion_start_time": "2026-11-26T12:00:00.310Z",
    });
    expect(JSON.parse(generation.attributes["langfuse.observation.usage_details"] as string)).toEqual({
      input: 34,
      input_cached_tokens: 8,
      output: 17,
      output_reasoning_tokens: 0,
      total: 59,
    });
    expect(JSON.parse(generation.attributes["langfuse.observation.cost_details"] as string)).toEqual({ input: 0.0000063, output: 0.0000102, total: 0.0000165 });
    expect(JSON.parse(generation.attributes["langfuse.observation.model.parameters"] as string)).toEqual({ temperature: 0.2, max_tokens: 256 });
    // The top observation (the caller's named span) carries the trace's input/output.
    const top = byName(req.spans, "Answer");
    expect(top.attributes["langfuse.observation.type"]).toBe("span");
    expect(JSON.parse(top.attributes["langfuse.observation.input"] as string)).toHaveLength(2);
    expect(JSON.parse(top.attributes["langfuse.observation.output"] as string).content).toBe("It is 18 °C and sunny in Paris.");
  });

  it("no wrapper observation: the caller's span (when named) and the generation only, the trace name as a trace attribute", async () => {
    const named = await deliver("langfuse", { ...config, baseUrl: receiver.url });
    expect(named.spans.map((s) => s.name).sort()).toEqual(["Answer", "Weather LLM call"]);
    expect(named.spans.find((s) => s.name === "Answer")!.parentSpanId).toBeUndefined();
    receiver.reset();
    const unnamed = outbound(sampleTrace({ trace: { ...sampleTrace().trace, span_name: null } }));
    const req = await deliver("langfuse", { ...config, baseUrl: receiver.url }, [unnamed]);
    expect(req.spans).toHaveLength(1);
    const [generation] = req.spans;
    expect(generation.name).toBe("Weather LLM call");
    expect(generation.parentSpanId).toBeUndefined();
    expect(generation.attributes).toMatchObject({ "langfuse.trace.name": "Weather question", "langfuse.observation.type": "generation" });
  });

  it("the generation's output is the assistant chat message; the provider is in its metadata", async () => {
    const req = await deliver("langfuse", { ...config, baseUrl: receiver.url });
    const generation = generationOf(req.spans);
    expect(JSON.parse(generation.attributes["langfuse.observation.output"] as string)).toMatchObject({
      role: "assistant",
      content: "It is 18 °C and sunny in Paris.",
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
    expect(generation.attributes["langfuse.observation.metadata.provider"]).toBe("openai");
  });

  it("keeps a caller's W3C trace id as the Langfuse trace id; hashes any other id (the only ids OTLP carries)", async () => {
    const w3c = "4BF92F3577B34DA6A3CE929D0E0E4736";
    const kept = await deliver("langfuse", { ...config, baseUrl: receiver.url }, [outbound(sampleTrace({ trace: { ...sampleTrace().trace, trace_id: w3c } }))]);
    for (const span of kept.spans) expect(span.traceId).toBe(w3c.toLowerCase());
    receiver.reset();
    // Any other id: the id Langfuse's own SDK derives from it (create_trace_id(seed) = sha256(seed)[:16 bytes]),
    // and the generation's observation id is create_observation_id(seed = generation id) (sha256[:8 bytes]).
    const seeded = (seed: string, bytes: number) => createHash("sha256").update(seed).digest().subarray(0, bytes).toString("hex");
    const hashed = await deliver("langfuse", { ...config, baseUrl: receiver.url });
    for (const span of hashed.spans) expect(span.traceId).toBe(seeded("trace-weather-001", 16));
    expect(generationOf(hashed.spans).spanId).toBe(seeded(trace.id, 8));
    expect(generationOf(hashed.spans).attributes["tracecast.trace.id"]).toBe("trace-weather-001");
  });

  it("under privacy mode sends no input/output but keeps usage, cost and identity", async () => {
    const req = await deliver("langfuse", { ...config, baseUrl: receiver.url }, [outbound(applyPrivacy(sampleTrace()))]);
    for (const span of req.spans) {
      expect(span.attributes["langfuse.observation.input"]).toBeUndefined();
      expect(JSON.stringify(span.attributes)).not.toContain("Paris?");
    }
    const generation = generationOf(req.spans);
    expect(JSON.parse(generation.attributes["langfuse.observation.usage_details"] as string).total).toBe(59);
    expect(generation.attributes["user.id"]).toBe("user_42");
  });

  it("Test connection delivers the synthetic test trace and reports Langfuse's answer, credentials masked", async () => {
    const def = definition("langfuse");
    const result = await runDestinationTest(def, def.config.parse({ ...config, baseUrl: receiver.url }));
    expect(result).toMatchObject({ ok: true, status: 200, message: "Langfuse accepted the test trace (200)" });
    expect(result.request?.headers.authorization).not.toContain(Buffer.from("pk-lf-1:sk-lf-1").toString("base64"));
    const generation = receiver.spans().find((s) => s.name === "Test Generation")!;
    expect(generation.attributes["tracecast.test"]).toBe(true);
  });

  describe.skipIf(!SPECS_AVAILABLE)(`usage and cost details against Langfuse's OpenAPI (${SPECS_AVAILABLE ? "langfuse-openapi.yml" : SPECS_MISSING_REASON})`, () => {
    it("have the shapes Langfuse's own schemas define", () => {
      const schema = openApiValidator("langfuse-openapi.yml");
      const validateUsage = schema("UsageDetails");
      const usage = langfuseUsageDetails(trace);
      expect(validateUsage(usage), JSON.stringify(validateUsage.errors)).toBe(true);
      // The validator is not vacuous: fractional token counts are refused.
      expect(validateUsage({ input: 1.5 })).toBe(false);
      const validateGeneration = schema("CreateGenerationBody");
      const body = { usageDetails: usage, costDetails: { input: 0.0000063, output: 0.0000102, total: 0.0000165 }, completionStartTime: "2026-11-26T12:00:00.310Z" };
      expect(validateGeneration(body), JSON.stringify(validateGeneration.errors)).toBe(true);
      expect(validateGeneration({ costDetails: { total: "0.1" } })).toBe(false);
    });
  });
});

describe("Sentry", () => {
  const port = () => new URL(receiver.url).port;
  const endpoint = () => `${receiver.url}/api/456/integration/otlp/v1/traces`;
  const dsn = () => `https://abc123publickey@127.0.0.1:${port()}/456`;

  it("authenticates with x-sentry-auth carrying the DSN's public key and marks the generation as an AI call", async () => {
    const req = await deliver("sentry", { otlpEndpoint: endpoint(), dsn: dsn() });
    expect(req.path).toBe("/api/456/integration/otlp/v1/traces");
    expect(req.headers["x-sentry-auth"]).toBe("sentry sentry_key=abc123publickey");
    expect(generationOf(req.spans).attributes).toMatchObject({ "sentry.op": "gen_ai.chat", "gen_ai.cost.total_tokens": 0.0000165 });
  });

  it("environment and release from the trace on every span; custom metadata under its own keys", async () => {
    const tagged = outbound(sampleTrace({ metadata: { env: "staging", release: "2026.12.0", feature: "weather", "user.id": "spoofed" } }));
    const req = await deliver("sentry", { otlpEndpoint: endpoint(), dsn: dsn() }, [tagged]);
    for (const span of req.spans) {
      expect(span.attributes).toMatchObject({ "sentry.environment": "staging", "sentry.release": "2026.12.0", env: "staging", feature: "weather", "user.id": "user_42" });
      expect(Object.keys(span.attributes).filter((k) => k.startsWith("trace.metadata."))).toEqual([]);
    }
    receiver.reset();
    // metadata.environment wins over metadata.env
    const fixture = await deliver("sentry", { otlpEndpoint: endpoint(), dsn: dsn() });
    expect(generationOf(fixture.spans).attributes).toMatchObject({ "sentry.environment": "production", "sentry.release": "2026.11.1" });
  });

  it("refuses a DSN that is not a Sentry DSN and an endpoint of another project, saying which", () => {
    const schema = definition("sentry").config;
    const badDsn = schema.safeParse({ otlpEndpoint: endpoint(), dsn: "abc@sentry.io/1" });
    expect(badDsn.error?.issues.map((i) => i.path)).toContainEqual(["dsn"]);
    const otherProject = schema.safeParse({ otlpEndpoint: endpoint(), dsn: `https://k@127.0.0.1:${port()}/789` });
    expect(otherProject.error?.issues[0]).toMatchObject({ path: ["otlpEndpoint"], message: expect.stringContaining("project 456, but the DSN is for project 789") });
    const otherHost = schema.safeParse({ otlpEndpoint: "https://o1.ingest.us.sentry.io/api/456/integration/otlp/v1/traces", dsn: `https://k@o2.ingest.us.sentry.io/456` });
    expect(otherHost.error?.issues[0]).toMatchObject({ path: ["otlpEndpoint"], message: expect.stringContaining("not the DSN's host (o2.ingest.us.sentry.io)") });
  });
});

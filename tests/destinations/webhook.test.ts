import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { getDefinition } from "@/lib/destinations/registry";
import webhook, { generateWebhookSecret, WEBHOOK_MAX_BYTES, webhookRequests } from "@/lib/destinations/webhook";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { startOtlpReceiver, type OtlpReceiver } from "../receivers/otlp";

// The registry holds the type-erased definition the delivery machinery takes.
const registered = getDefinition("webhook")!;

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

const secret = generateWebhookSecret();
const previousSecret = generateWebhookSecret();
const configOf = (extra: Record<string, unknown> = {}) => webhook.config.parse({ url: `${receiver.url}/hooks/traces`, ...extra });

const traceA = outbound(sampleTrace({ id: "gen-a" }), 1, "dlv-a");
const traceB = outbound(sampleTrace({ id: "gen-b", trace: { ...sampleTrace().trace, trace_id: "other-trace" } }), 0.5, "dlv-b");

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe("webhook destination", () => {
  it("is registered and defaults to POST with no signing secret required", () => {
    expect(registered).toBe(webhook);
    const config = configOf();
    expect(config.method).toBe("POST");
    expect(config.headers).toEqual({});
    expect(config.secret).toBeUndefined();
  });

  it("rejects a signing secret that is not whsec_-prefixed base64, naming the field", () => {
    const result = webhook.config.safeParse({ url: "https://example.com/hook", secret: "hunter2" });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(["secret"]);
    expect(result.error!.issues[0].message).toMatch(/^Signing secret must be a Standard Webhooks secret/);
  });

  it("accepts a previous secret only next to a different current one", () => {
    const onlyPrevious = webhook.config.safeParse({ url: "https://example.com/hook", previousSecret });
    expect(onlyPrevious.error?.issues[0]).toMatchObject({ path: ["previousSecret"], message: expect.stringContaining("set Signing secret too") });
    const same = webhook.config.safeParse({ url: "https://example.com/hook", secret, previousSecret: secret });
    expect(same.error?.issues[0]).toMatchObject({ path: ["previousSecret"], message: expect.stringContaining("must differ") });
    expect(webhook.config.safeParse({ url: "https://example.com/hook", secret, previousSecret }).success).toBe(true);
  });

  it("delivers an OTLP/JSON ExportTraceServiceRequest with both traces, custom headers and the configured method", async () => {
    await deliverBatch(registered, [traceA, traceB], configOf({ method: "PUT", headers: { "X-Team": "search", "Content-Type": "text/plain" } }));
    expect(receiver.rejected).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.method).toBe("PUT");
    expect(req.path).toBe("/hooks/traces");
    expect(req.encoding).toBe("json");
    // A custom header cannot turn the body into something else.
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-team"]).toBe("search");
    expect(req.headers["x-test-connection"]).toBeUndefined();
    const generations = req.spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(generations.map((s) => s.attributes["tracecast.generation.id"])).toEqual(["gen-a", "gen-b"]);
    expect(generations[1].attributes["sampling.rate"]).toBe(0.5);
    expect(generations[0].resource["service.name"]).toBe("Production"); // the API key name
    // Unsigned: an id for deduplication, but no signature headers.
    expect(req.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(req.headers["webhook-signature"]).toBeUndefined();
  });

  it("signs per Standard Webhooks with the current and the previous secret; each verifies on its own", async () => {
    await deliverBatch(registered, [traceA], configOf({ secret, previousSecret }));
    const [req] = receiver.requests;
    const headers = {
      "webhook-id": String(req.headers["webhook-id"]),
      "webhook-timestamp": String(req.headers["webhook-timestamp"]),
      "webhook-signature": String(req.headers["webhook-signature"]),
    };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    const payload = req.body.toString("utf8");
    expect(new Webhook(secret).verify(payload, headers)).toMatchObject({ resourceSpans: expect.any(Array) });
    expect(new Webhook(previousSecret).verify(payload, headers)).toMatchObject({ resourceSpans: expect.any(Array) });
    expect(() => new Webhook(generateWebhookSecret()).verify(payload, headers)).toThrow();
    // A tampered body no longer verifies.
    expect(() => new Webhook(secret).verify(payload.replace("gen-a", "gen-x"), headers)).toThrow();
    expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("is pure: the signature's timestamp is the time encode is given, and the same inputs give the same bytes", () => {
    const config = registered.config.parse(configOf({ secret }));
    const at = new Date("2026-01-02T03:04:05.678Z");
    const [first] = registered.encode!([traceA], config, at);
    const [again] = registered.encode!([traceA], config, new Date(at));
    expect(first.headers["webhook-timestamp"]).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(again).toEqual(first);
  });

  it("gives a retried batch the same webhook-id and a different batch another one", async () => {
    const config = configOf({ secret });
    await deliverBatch(registered, [traceA, traceB], config);
    await deliverBatch(registered, [traceB, traceA], config);
    await deliverBatch(registered, [traceA], config);
    const ids = receiver.requests.map((r) => r.headers["webhook-id"]);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it("classifies the receiver's answer: 503 with Retry-After is retryable, 400 is permanent", async () => {
    receiver.respondWith({ status: 503, headers: { "retry-after": "7" } }, { status: 400, body: "bad" });
    const transient = await failure(deliverBatch(registered, [traceA], configOf()));
    expect(transient).toMatchObject({ kind: "http", status: 503, retryable: true, retryAfterMs: 7000 });
    const permanent = await failure(deliverBatch(registered, [traceA], configOf()));
    expect(permanent).toMatchObject({ kind: "http", status: 400, retryable: false, responseBody: "bad" });
  });

  it("Test connection sends a real synthetic test trace marked X-Test-Connection and shows the request with secrets masked", async () => {
    const result = await runDestinationTest(registered, configOf({ secret, headers: { Authorization: "Bearer very-secret-token-123" } }));
    expect(result).toMatchObject({ ok: true, status: 200 });
    const [req] = receiver.requests;
    expect(req.headers["x-test-connection"]).toBe("true");
    const generation = req.spans.find((s) => s.attributes["gen_ai.operation.name"] === "chat")!;
    expect(generation.attributes["tracecast.test"]).toBe(true);
    expect(generation.name).toBe("Test Generation");
    expect(result.request?.headers["authorization"]).not.toContain("very-secret-token-123");
    expect(result.request?.headers["webhook-signature"]).not.toBe(String(req.headers["webhook-signature"]));
  });

  it("reports a receiver that rejects the test trace", async () => {
    receiver.respondWith({ status: 401, body: "no" });
    const result = await runDestinationTest(registered, configOf());
    expect(result).toMatchObject({ ok: false, status: 401, responseBody: "no" });
  });

  it("splits a batch whose body would exceed the byte cap into several signed requests", () => {
    const big = "x".repeat(60_000);
    const traces = Array.from({ length: 100 }, (_, i) =>
      outbound(sampleTrace({ id: `gen-${i}`, request: { ...sampleTrace().request, messages: [{ role: "user", content: big }] } }), 1, `dlv-${i}`),
    );
    const requests = webhookRequests(traces, configOf({ secret }), new Date());
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.reduce((n, r) => n + r.traceCount, 0)).toBe(100);
    for (const r of requests) {
      expect(Buffer.byteLength(r.body as string)).toBeLessThanOrEqual(WEBHOOK_MAX_BYTES);
      expect(() => new Webhook(secret).verify(r.body as string, r.headers)).not.toThrow();
    }
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(requests.length);
  });
});

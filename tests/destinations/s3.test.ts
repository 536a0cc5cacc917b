// S3 destination against a real S3 API (s3rver 5, SigV4 verified): objects written through the
// official AWS SDK via the shared delivery path, read back with GetObject and compared byte for byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import s3, { resolvePath, s3Objects } from "@/lib/destinations/s3";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { TraceDocument } from "@/lib/destinations/trace-document";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue } from "../support/delivery";
import { S3RVER_CREDENTIALS, startS3Receiver, type S3Receiver } from "../receivers/s3";

let receiver: S3Receiver;
beforeAll(async () => {
  receiver = await startS3Receiver("traces");
});
afterAll(async () => {
  await receiver?.close();
});

const configFor = (overrides: Record<string, unknown> = {}) =>
  s3.config.parse({ bucketName: receiver.bucket, endpoint: receiver.endpoint, ...S3RVER_CREDENTIALS, ...overrides });

const day1 = (id: string, apiKeyName: string | null = "Production") =>
  outbound(sampleTrace({ id, api_key_name: apiKeyName, timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:01.530Z", duration_ms: 1530, time_to_first_token_ms: 310 } }));
const day2 = (id: string) =>
  outbound(sampleTrace({ id, timing: { start: "2026-11-27T08:30:00.000Z", end: "2026-11-27T08:30:02.000Z", duration_ms: 2000, time_to_first_token_ms: null } }));

describe("S3 destination (real S3 API)", () => {
  it("writes one NDJSON object per batch and path, readable byte for byte, with the default layout", async () => {
    const config = configFor();
    expect(config.format).toBe("ndjson");
    expect(config.prefix).toBe("tracecast-traces");
    const traces = [day1("gen-a"), day1("gen-b"), day2("gen-c")];
    await deliverBatch(s3, traces, config);

    const expected = s3Objects(traces, config);
    expect(expected.map((o) => o.key)).toEqual([
      expect.stringMatching(/^tracecast-traces\/2026-11-26\/1795694400-[0-9a-f]{16}\.ndjson$/),
      expect.stringMatching(/^tracecast-traces\/2026-11-27\/1795768200-[0-9a-f]{16}\.ndjson$/),
    ]);
    for (const object of expected) {
      const stored = await receiver.getObject(object.key);
      expect(stored.body.equals(Buffer.from(object.body, "utf8"))).toBe(true);
      expect(stored.contentType).toBe("application/x-ndjson");
    }
    const firstLines = (await receiver.getObject(expected[0].key)).body.toString("utf8").trimEnd().split("\n");
    const docs = firstLines.map((l) => JSON.parse(l) as TraceDocument);
    expect(docs.map((d) => d.tracecast.generationId)).toEqual(["gen-a", "gen-b"]);
    expect(docs[0]).toMatchObject({
      id: "trace-weather-001",
      name: "Weather question",
      userId: "user_42",
      sessionId: "session-7f3a",
      metadata: { environment: "production" },
      input: { messages: [{ role: "system" }, { role: "user", content: "What's the weather in Paris?" }] },
    });
    expect(docs[0].observations.map((o) => [o.type, o.name, o.parentObservationId])).toEqual([
      ["SPAN", "Answer", null],
      ["GENERATION", "Weather LLM call", "gen-a:span"],
    ]);
    expect(docs[0].observations[1]).toMatchObject({ usageDetails: { input: 42, output: 17, total: 59, cached: 8 }, costDetails: { total: 0.0000165 } });
  });

  it("retrying a batch overwrites the same object instead of adding one (deterministic keys)", () => {
    const config = configFor();
    const traces = [day1("gen-a"), day1("gen-b")];
    expect(s3Objects(traces, config).map((o) => o.key)).toEqual(s3Objects(traces, config).map((o) => o.key));
    expect(s3Objects([day1("gen-a")], config)[0].key).not.toBe(s3Objects(traces, config)[0].key);
  });

  it("json format: one object per trace at <path>/<traceId>-<unix seconds>.json, custom template sanitized", async () => {
    const config = configFor({ format: "json", prefix: "llm/traces", pathTemplate: "{prefix}/{year}/{month}/{day}/{apiKeyName}" });
    const traces = [day1("gen/x 1", "Prod key #2"), day1("gen-y", null)];
    await deliverBatch(s3, traces, config);
    const objects = s3Objects(traces, config);
    expect(objects.map((o) => o.key)).toEqual(["llm/traces/2026/11/26/Prod_key__2/gen_x_1-1795694400.json", "llm/traces/2026/11/26/unknown/gen-y-1795694400.json"]);
    for (const object of objects) {
      const stored = await receiver.getObject(object.key);
      expect(stored.body.toString("utf8")).toBe(object.body);
      expect(stored.contentType).toBe("application/json");
      expect((JSON.parse(object.body) as TraceDocument).tracecast.deliveryId).toBe(`dlv-${traces[objects.indexOf(object)].id}`);
    }
  });

  it("privacy mode: the stored document holds no prompt or completion", async () => {
    const config = configFor({ format: "json" });
    const trace = outbound(applyPrivacy(day1("gen-private")));
    await deliverBatch(s3, [trace], config);
    const [object] = s3Objects([trace], config);
    const text = (await receiver.getObject(object.key)).body.toString("utf8");
    const doc = JSON.parse(text) as TraceDocument;
    expect(doc.input).toBeUndefined();
    expect(doc.output).toBeUndefined();
    expect(doc.observations.every((o) => o.input === undefined && o.output === undefined)).toBe(true);
    expect(text).not.toContain("Paris");
    expect(text).not.toContain("18 °C");
    expect(doc.observations.at(-1)?.usageDetails?.total).toBe(59);
  });

  it("a wrong secret is a permanent failure naming SignatureDoesNotMatch", async () => {
    const config = configFor({ secretAccessKey: "not-the-secret" });
    const error = await deliverBatch(s3, [day1("gen-denied")], config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false, status: 403 });
    expect((error as DeliveryError).message).toMatch(/SignatureDoesNotMatch/);
    const test = await runDestinationTest(s3, config);
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/secret access key is wrong/);
  });

  it("through the delivery engine: delivered rows are stored; a wrong secret is recorded as a permanent failure", async () => {
    const workspace = await createWorkspace();
    const good = await createDestinationRow(workspace.id, "s3", { bucketName: receiver.bucket, endpoint: receiver.endpoint, ...S3RVER_CREDENTIALS, format: "json" });
    const bad = await createDestinationRow(workspace.id, "s3", { bucketName: receiver.bucket, endpoint: receiver.endpoint, ...S3RVER_CREDENTIALS, // A realistic secret: messages are masked against every secret's forms, so a secret that is a
    // common word ("wrong") would be masked inside the very message this test reads.
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY00" });
    await enqueue(workspace.id, [good.id, bad.id], 2);

    expect(await drainDestination(good.id)).toMatchObject({ delivered: 2, failed: 0 });
    const delivered = await deliveriesOf(good.id);
    expect(delivered.map((d) => d.status)).toEqual(["delivered", "delivered"]);
    const payload = await prisma.tracePayload.findUniqueOrThrow({ where: { id: delivered[0].traceId } });
    const [object] = s3Objects([outbound(payload.data as never, 1, delivered[0].id)], s3.config.parse({ bucketName: receiver.bucket, accessKeyId: "a", secretAccessKey: "b", format: "json" }));
    expect(JSON.parse((await receiver.getObject(object.key)).body.toString("utf8"))).toMatchObject({ tracecast: { deliveryId: delivered[0].id } });

    expect(await drainDestination(bad.id)).toMatchObject({ delivered: 0, failed: 2 });
    const failed = await deliveriesOf(bad.id);
    expect(failed.map((d) => [d.status, d.lastStatus])).toEqual([
      ["failed", 403],
      ["failed", 403],
    ]);
    expect(failed[0].lastError).toMatch(/SignatureDoesNotMatch.*secret access key is wrong/);
  });

  it("a missing bucket is a permanent configuration error; an unreachable endpoint is retryable", async () => {
    const missing = await deliverBatch(s3, [day1("gen-x")], configFor({ bucketName: "no-such-bucket" })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "config", retryable: false, status: 404 });
    const closedPort = await deliverBatch(s3, [day1("gen-x")], configFor({ endpoint: "http://127.0.0.1:9" })).catch((e: unknown) => e);
    expect(closedPort).toMatchObject({ kind: "network", retryable: true });
  });

  it("custom headers are sent (and signed) with the upload", async () => {
    const config = configFor({ format: "json", headers: { "x-amz-meta-source": "tracecast" } });
    const trace = day1("gen-headers");
    await deliverBatch(s3, [trace], config);
    const stored = await receiver.getObject(s3Objects([trace], config)[0].key);
    expect(stored.metadata).toEqual({ source: "tracecast" });
  });

  it("Test connection writes the synthetic test trace and reports success", async () => {
    const result = await runDestinationTest(s3, configFor());
    expect(result).toMatchObject({ ok: true });
  });

  it("config: unknown template variables and bad bucket names are rejected, naming the field", () => {
    const bad = s3.config.safeParse({ bucketName: "Bad_Bucket", accessKeyId: "a", secretAccessKey: "b", pathTemplate: "{prefix}/{hour}" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(["bucketName", "pathTemplate"]);
    expect(resolvePath("{prefix}//../{date}", { prefix: "a/./b", date: "2026-01-02", year: "", month: "", day: "", apiKeyName: "" })).toBe("a/_/b/_/2026-01-02");
  });
});

// Amazon Data Firehose against a local PutRecordBatch service (tests/receivers/firehose.ts: SigV4
// verified by its own implementation, the service's limits and wire shapes, partial failures),
// through the official AWS SDK on the shared delivery path and through the delivery engine.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import firehose, { FIREHOSE_MAX_RECORD_BYTES, firehoseRecords } from "@/lib/destinations/firehose";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, deliverTraces, runDestinationTest } from "@/lib/destinations/http";
import type { TraceDocument } from "@/lib/destinations/trace-document";
import { drainDestination } from "@/lib/delivery/drain";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, makeDue } from "../support/delivery";
import { FIREHOSE_CREDENTIALS, FIREHOSE_REGION, startFirehoseReceiver, type FirehoseReceiver } from "../receivers/firehose";

const STREAM = "llm-traces";
let receiver: FirehoseReceiver;
beforeAll(async () => {
  receiver = await startFirehoseReceiver([STREAM]);
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.calls.length = 0;
  receiver.refuseRecord = undefined;
  receiver.failCalls.length = 0;
});

const rawConfig = (overrides: Record<string, unknown> = {}) => ({ streamName: STREAM, region: FIREHOSE_REGION, endpoint: receiver.endpoint, ...FIREHOSE_CREDENTIALS, ...overrides });
const configFor = (overrides: Record<string, unknown> = {}) => firehose.config.parse(rawConfig(overrides));
const traceOf = (id: string, content = "What's the weather in Paris?") =>
  outbound(sampleTrace({ id, request: { ...sampleTrace().request, messages: [{ role: "user", content }] } }));
const generationIds = (records: Buffer[]) => records.map((r) => (JSON.parse(r.toString("utf8")) as TraceDocument).tracecast.generationId);

describe("Amazon Data Firehose", () => {
  it("puts one NDJSON record per trace with PutRecordBatch, signed (custom headers included) with the configured keys", async () => {
    const traces = [traceOf("gen-a"), traceOf("gen-b"), traceOf("gen-c")];
    await deliverBatch(firehose, traces, configFor({ headers: { "X-Trace-Source": "tracecast" } }));
    expect(receiver.calls).toHaveLength(1);
    const [call] = receiver.calls;
    expect(call.stream).toBe(STREAM);
    expect(call.headers["x-amz-target"]).toBe("Firehose_20150804.PutRecordBatch");
    expect(call.headers["x-trace-source"]).toBe("tracecast");
    expect(call.signedHeaders).toContain("x-trace-source");
    // Each record is exactly the pure encoder's: the trace document and a newline.
    expect(call.records).toEqual(firehoseRecords(traces).map((r) => r.data));
    for (const record of call.records) expect(record.toString("utf8")).toMatch(/^\{.*\}\n$/s);
    expect(generationIds(call.records)).toEqual(["gen-a", "gen-b", "gen-c"]);
    expect(JSON.parse(call.records[0].toString("utf8"))).toMatchObject({
      userId: "user_42",
      sessionId: "session-7f3a",
      input: { messages: [{ role: "user", content: "What's the weather in Paris?" }] },
      tracecast: { deliveryId: "dlv-gen-a" },
    });
  });

  it("temporary credentials: the session token is sent and signed", async () => {
    const sts = { accessKeyId: "ASIATEMPORARY0000001", secretAccessKey: "tmp/secret/key/0123456789abcdefghijklm", sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN" };
    const temporary = await startFirehoseReceiver([STREAM], sts);
    try {
      await deliverBatch(firehose, [traceOf("gen-sts")], firehose.config.parse({ ...rawConfig(sts), endpoint: temporary.endpoint }));
      expect(temporary.calls[0].signedHeaders).toContain("x-amz-security-token");
      const withoutToken = await deliverBatch(firehose, [traceOf("gen-sts")], firehose.config.parse({ ...rawConfig(sts), sessionToken: undefined, endpoint: temporary.endpoint })).catch((e: unknown) => e);
      expect(withoutToken).toMatchObject({ kind: "config", retryable: false, status: 400 });
    } finally {
      await temporary.close();
    }
  });

  it("privacy mode: the records hold no prompt or completion", async () => {
    await deliverBatch(firehose, [outbound(applyPrivacy(traceOf("gen-private")))], configFor());
    const text = receiver.calls[0].records[0].toString("utf8");
    expect(text).not.toContain("Paris");
    expect(text).not.toContain("18 °C");
    expect((JSON.parse(text) as TraceDocument).observations.at(-1)?.usageDetails?.total).toBe(59);
  });

  it("splits a batch at 500 records per call", async () => {
    const traces = Array.from({ length: 501 }, (_, i) => traceOf(`gen-many-${i}`));
    const { failed } = await deliverTraces(firehose, traces, configFor());
    expect(failed.size).toBe(0);
    expect(receiver.calls.map((c) => c.records.length)).toEqual([500, 1]);
  });

  it("splits at 4 MiB per call; a trace over 1,000 KiB fails alone, permanently, and the rest is delivered", async () => {
    // The prompt appears twice in a trace document (the trace's input and the generation's).
    const big = (id: string) => traceOf(id, "x".repeat(440 * 1024));
    const traces = [big("gen-big-1"), big("gen-big-2"), big("gen-big-3"), big("gen-big-4"), big("gen-big-5"), traceOf("gen-huge", "y".repeat(FIREHOSE_MAX_RECORD_BYTES / 2))];
    const sizes = firehoseRecords(traces).map((r) => r.data.byteLength);
    for (const size of sizes.slice(0, 5)) expect(size).toBeGreaterThan(880 * 1024);
    expect(sizes[5]).toBeGreaterThan(FIREHOSE_MAX_RECORD_BYTES);
    const { failed } = await deliverTraces(firehose, traces, configFor());
    expect(receiver.calls.map((c) => c.records.length)).toEqual([4, 1]);
    expect(generationIds(receiver.calls.flatMap((c) => c.records))).toEqual(["gen-big-1", "gen-big-2", "gen-big-3", "gen-big-4", "gen-big-5"]);
    expect([...failed.keys()]).toEqual(["dlv-gen-huge"]);
    expect(failed.get("dlv-gen-huge")).toMatchObject({ kind: "encode", retryable: false });
    expect(failed.get("dlv-gen-huge")!.message).toMatch(/1,000 KiB/);
  });

  it("a partial failure (FailedPutCount > 0) reports only the refused traces, retryable, with Firehose's error code", async () => {
    receiver.refuseRecord = (data) => (data.toString("utf8").includes('"gen-throttled"') ? "ServiceUnavailableException" : undefined);
    const { failed } = await deliverTraces(firehose, [traceOf("gen-ok-1"), traceOf("gen-throttled"), traceOf("gen-ok-2")], configFor());
    expect([...failed.keys()]).toEqual(["dlv-gen-throttled"]);
    expect(failed.get("dlv-gen-throttled")).toMatchObject({ retryable: true });
    expect(failed.get("dlv-gen-throttled")!.message).toContain("ServiceUnavailableException");
  });

  it("through the delivery engine: only the refused trace is retried, and it alone is sent again", async () => {
    const workspace = await createWorkspace();
    const destination = await createDestinationRow(workspace.id, "firehose", rawConfig());
    const [, secondId] = await enqueue(workspace.id, [destination.id], 3);
    const statusById = async () => Object.fromEntries((await deliveriesOf(destination.id)).map((d) => [d.id, d.status]));
    const second = (await deliveriesOf(destination.id)).find((d) => d.id === secondId)!;
    receiver.refuseRecord = (data) => (data.toString("utf8").includes(`"${second.traceId}"`) ? "InternalFailure" : undefined);

    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, retrying: 1, failed: 0 });
    expect(Object.values(await statusById()).sort()).toEqual(["delivered", "delivered", "pending"]);
    const refused = (await deliveriesOf(destination.id)).find((d) => d.status === "pending")!;
    expect(refused.id).toBe(secondId);
    expect(refused.lastError).toContain("InternalFailure");

    receiver.refuseRecord = undefined;
    receiver.calls.length = 0;
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 1, retrying: 0 });
    expect(receiver.calls.flatMap((c) => generationIds(c.records))).toEqual([second.traceId]);
    expect(Object.values(await statusById())).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("no record accepted: the batch fails as a whole (retryable when throttled), so the circuit opens", async () => {
    receiver.refuseRecord = () => "ServiceUnavailableException";
    const throttled = await deliverTraces(firehose, [traceOf("gen-1"), traceOf("gen-2")], configFor()).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(DeliveryError);
    expect(throttled).toMatchObject({ retryable: true });
    receiver.refuseRecord = undefined;
    receiver.failCalls.push({ status: 503, type: "ServiceUnavailableException", message: "Slow down." });
    expect(await deliverBatch(firehose, [traceOf("gen-3")], configFor()).catch((e: unknown) => e)).toMatchObject({ retryable: true, status: 503 });
  });

  it("a wrong secret, an unknown key or a missing stream is a permanent configuration error naming the cause", async () => {
    const wrongSecret = await deliverBatch(firehose, [traceOf("gen-x")], configFor({ secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY00" })).catch((e: unknown) => e);
    expect(wrongSecret).toMatchObject({ kind: "config", retryable: false, status: 400 });
    expect((wrongSecret as Error).message).toMatch(/InvalidSignatureException.*secret access key is wrong/);
    const unknownKey = await deliverBatch(firehose, [traceOf("gen-x")], configFor({ accessKeyId: "AKIAUNKNOWN000000000" })).catch((e: unknown) => e);
    expect((unknownKey as Error).message).toMatch(/UnrecognizedClientException.*access key id does not exist/);
    const missing = await deliverBatch(firehose, [traceOf("gen-x")], configFor({ streamName: "no-such-stream" })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "config", retryable: false });
    expect((missing as Error).message).toMatch(/ResourceNotFoundException.*does not exist in this region/);
    expect(receiver.calls).toEqual([]);
    const closedPort = await deliverBatch(firehose, [traceOf("gen-x")], configFor({ endpoint: "http://127.0.0.1:9" })).catch((e: unknown) => e);
    expect(closedPort).toMatchObject({ kind: "network", retryable: true });
  });

  it("Test connection puts the synthetic test trace and reports success, or the cause", async () => {
    expect(await runDestinationTest(firehose, configFor())).toMatchObject({ ok: true, message: "Amazon Data Firehose accepted the test trace" });
    expect((JSON.parse(receiver.calls[0].records[0].toString("utf8")) as TraceDocument).tracecast.isTest).toBe(true);
    const denied = await runDestinationTest(firehose, configFor({ streamName: "other-stream" }));
    expect(denied).toMatchObject({ ok: false });
    expect(denied.message).toMatch(/does not exist in this region/);
  });

  it("config: fields, secrets and validation", () => {
    const bad = firehose.config.safeParse({ streamName: "bad stream!", region: "EU WEST", accessKeyId: "a", secretAccessKey: "b", endpoint: "ftp://x" });
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(["endpoint", "region", "streamName"]);
    expect(firehose.config.safeParse({ streamName: "s", accessKeyId: "a", secretAccessKey: "b" }).error?.issues.map((i) => i.path[0])).toEqual(["region"]);
  });
});

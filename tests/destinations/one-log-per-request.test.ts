// Helicone and Keywords AI take one log per request (lib/destinations/one-per-request.ts): through the
// real drain and the real database to a local receiver, each trace is its own request with its own
// outcome; a 503 is retried, a permanent 4xx fails only its trace, and "Test connection" reports the
// platform's answer with the key masked.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { deliverTraces, runDestinationTest } from "@/lib/destinations/http";
import { getDefinition } from "@/lib/destinations/registry";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, makeDue, startReceiver, type Receiver } from "../support/delivery";

const PLATFORMS = [
  { type: "helicone", path: "/custom/v1/log", apiKey: "sk-helicone-abcdefg-0123456" },
  { type: "keywordsai", path: "/request-logs/", apiKey: "kw-0123456789abcdef" },
];

let receiver: Receiver;
let workspaceId: string;
beforeEach(async () => {
  receiver = await startReceiver();
  workspaceId = (await createWorkspace()).id;
});
afterEach(() => receiver.close());

describe.each(PLATFORMS)("$type", ({ type, path, apiKey }) => {
  const def = getDefinition(type)!;
  const config = () => ({ apiKey, baseUrl: receiver.url });

  it("declares one trace per request, and the drain sends each trace alone to the documented path with the Bearer key", async () => {
    expect(def.maxBatch).toBe(1);
    receiver.handle((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const destination = await createDestinationRow(workspaceId, type, config());
    const ids = await enqueue(workspaceId, [destination.id], 3);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 3, retrying: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(3);
    for (const request of receiver.requests) {
      expect([request.method, request.url]).toEqual(["POST", path]);
      expect(request.headers.authorization).toBe(`Bearer ${apiKey}`);
      expect(request.headers["content-type"]).toBe("application/json");
    }
    const rows = await deliveriesOf(destination.id);
    expect(rows.filter((r) => ids.includes(r.id)).every((r) => r.status === "delivered")).toBe(true);
  });

  it("retries a 503 and delivers once the platform is back; nothing is sent twice after success", async () => {
    receiver.handle((_req, res) => res.writeHead(503).end("busy"));
    const destination = await createDestinationRow(workspaceId, type, config());
    await enqueue(workspaceId, [destination.id], 1);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, retrying: 1 });
    const [waiting] = await deliveriesOf(destination.id);
    expect(waiting).toMatchObject({ status: "pending", lastStatus: 503 });

    receiver.handle((_req, res) => res.writeHead(200).end("{}"));
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 1, retrying: 0 });
    const sent = receiver.requests.length;
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(sent);
  });

  it("a 401 fails the trace for good with the platform's answer, key masked", async () => {
    receiver.handle((_req, res) => res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ detail: `Invalid key ${apiKey}` })));
    const destination = await createDestinationRow(workspaceId, type, config());
    await enqueue(workspaceId, [destination.id], 1);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, failed: 1 });
    const [row] = await deliveriesOf(destination.id);
    expect(row).toMatchObject({ status: "failed", lastStatus: 401 });
    expect(row.lastError).not.toContain(apiKey);
  });

  it("in a batch, a trace the platform refuses (400) fails alone and the others are delivered", async () => {
    const refused = outbound(sampleTrace({ id: "gen-refused" }), 1, "dlv-refused");
    const traces = [outbound(sampleTrace({ id: "gen-a" }), 1, "dlv-a"), refused, outbound(sampleTrace({ id: "gen-b" }), 1, "dlv-b")];
    receiver.handle((req, res) => (req.body.includes("gen-refused") ? res.writeHead(400).end('{"error":"bad log"}') : res.writeHead(200).end("{}")));
    const { failed } = await deliverTraces(def, traces, def.config.parse(config()));
    expect([...failed.keys()]).toEqual(["dlv-refused"]);
    expect(failed.get("dlv-refused")).toMatchObject({ retryable: false, status: 400 });
    expect(receiver.requests).toHaveLength(3);
  });

  it("in a batch, a retryable failure after a delivered trace stops the batch: the rest wait for a retry, the delivered one stays delivered", async () => {
    const traces = ["a", "b", "c"].map((id) => outbound(sampleTrace({ id: `gen-${id}` }), 1, `dlv-${id}`));
    receiver.handle((req, res) => (req.body.includes("gen-b") ? res.writeHead(503).end("busy") : res.writeHead(200).end("{}")));
    const { failed } = await deliverTraces(def, traces, def.config.parse(config()));
    expect([...failed.keys()]).toEqual(["dlv-b", "dlv-c"]);
    expect(failed.get("dlv-c")).toMatchObject({ retryable: true, status: 503 });
    expect(receiver.requests).toHaveLength(2);
  });

  it("Test connection sends the test trace and reports the answer; a refused key is reported as such", async () => {
    receiver.handle((_req, res) => res.writeHead(200).end("{}"));
    const ok = await runDestinationTest(def, def.config.parse(config()));
    expect(ok).toMatchObject({ ok: true, status: 200, message: `${def.name} accepted the test trace (200)` });
    expect(ok.request?.url).toBe(`${receiver.url}${path}`);
    expect(ok.request?.headers.authorization).not.toContain(apiKey);
    expect(receiver.requests[0].body).toContain("Tracecast connection test");

    receiver.handle((_req, res) => res.writeHead(401).end("unauthorized"));
    expect(await runDestinationTest(def, def.config.parse(config()))).toMatchObject({ ok: false, status: 401, message: `${def.name} is reachable, but rejected the test trace (401)` });
  });

  it("stores the key encrypted: the destination row holds no plain key", async () => {
    const destination = await createDestinationRow(workspaceId, type, config());
    const row = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
    expect(JSON.stringify(row.config)).not.toContain(apiKey);
    expect(JSON.stringify(row)).not.toContain(apiKey);
  });
});

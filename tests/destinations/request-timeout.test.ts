// The timeout is per request, and the attempt as a whole has a bound (ATTEMPT_TIMEOUTS request
// timeouts): a batch split into many slow requests cannot take one timeout per request. Real slow
// receiver on 127.0.0.1.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineDestination, field } from "@/lib/destinations/define";
import { DeliveryError } from "@/lib/outbound/errors";
import { ATTEMPT_TIMEOUTS, deliverBatch } from "@/lib/destinations/http";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";

const TIMEOUT_MS = 600;
const ANSWER_AFTER_MS = 200;

let answerAfterMs = ANSWER_AFTER_MS;
let received = 0;
let server: http.Server;
let base = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      const timer = setTimeout(() => res.end("ok"), answerAfterMs);
      res.on("close", () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = 0;
  answerAfterMs = ANSWER_AFTER_MS;
});

/** One request per trace (a batch split by a platform's limits), each answered after ANSWER_AFTER_MS. */
const onePerTrace = defineDestination({
  type: "test-one-request-per-trace",
  name: "One request per trace (test)",
  category: "Custom",
  description: "test",
  docsUrl: "https://example.com",
  config: z.object({ url: field.url("URL") }),
  maxBatch: 100,
  timeoutMs: TIMEOUT_MS,
  encode: (traces, config) => traces.map((t) => ({ method: "POST" as const, url: config.url, headers: {}, body: t.id, traceCount: 1 })),
});

const traces = (n: number) => Array.from({ length: n }, (_, i) => outbound(sampleTrace({ id: `gen-${i}` }), 1, `dlv-${i}`));

async function timed<T>(p: Promise<T>): Promise<{ ms: number; result?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const result = await p;
    return { ms: performance.now() - started, result };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe("timeouts", () => {
  it("give each request its own timeout: several requests that each answer in time are all delivered", async () => {
    // 3 × 200 ms: more than one request's timeout together, within the attempt's bound.
    const { result, error } = await timed(deliverBatch(onePerTrace, traces(3), { url: `${base}/` }));
    expect(error).toBeUndefined();
    expect(result).toHaveLength(3);
    expect(received).toBe(3);
  });

  it("time out one request that does not answer after its own timeout", async () => {
    answerAfterMs = 60_000;
    const { ms, error } = await timed(deliverBatch(onePerTrace, traces(1), { url: `${base}/` }));
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: "timeout", retryable: true, message: expect.stringMatching(`within ${TIMEOUT_MS} ms`) });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS * ATTEMPT_TIMEOUTS);
  });

  it("bound the attempt: a batch split into many slow requests stops at the attempt's deadline, not one timeout per request", async () => {
    // 12 × 200 ms = 2.4 s of requests, each within its own timeout; the attempt's bound is 3 × 600 ms.
    const bound = TIMEOUT_MS * ATTEMPT_TIMEOUTS;
    const { ms, error } = await timed(deliverBatch(onePerTrace, traces(12), { url: `${base}/` }));
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: "timeout", retryable: true, message: expect.stringMatching(`within ${bound} ms`) });
    expect(ms).toBeGreaterThanOrEqual(bound - 50);
    expect(ms).toBeLessThan(12 * ANSWER_AFTER_MS);
    expect(received).toBeLessThan(12);
  });
});

// The one batching helper (lib/destinations/batching.ts) that the drain and every encoder use:
// the definition's declared limits, greedy and in order, and an item too large even alone goes
// in a request of its own and is reported, never dropped.
import { describe, expect, it } from "vitest";
import { limitsOf, packBatches, refuseOversized } from "@/lib/destinations/batching";
import { DeliveryError } from "@/lib/outbound/errors";
import { DESTINATIONS } from "@/lib/destinations/registry";

const sized = (...sizes: number[]) => sizes.map((size, i) => ({ id: i, size }));
const ids = (batches: { id: number }[][]) => batches.map((b) => b.map((item) => item.id));

describe("packBatches", () => {
  it("keeps at most maxItems per batch, in order", () => {
    const { batches, oversized } = packBatches(sized(1, 1, 1, 1, 1, 1, 1), { maxItems: 3 }, (i) => i.size);
    expect(ids(batches)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(oversized).toEqual([]);
  });

  it("fills a batch up to maxBytes exactly, counting the envelope once and a separator between items", () => {
    // 10 (envelope) + 30 + 1 + 30 + 1 + 28 = 100: exactly the limit.
    const { batches } = packBatches(sized(30, 30, 28, 1), { maxBytes: 100 }, (i) => i.size, { overheadBytes: 10, separatorBytes: 1 });
    expect(ids(batches)).toEqual([[0, 1, 2], [3]]);
  });

  it("sends an item larger than the limit alone and reports it, without losing its neighbours", () => {
    const items = sized(40, 500, 40, 40);
    const packed = packBatches(items, { maxItems: 10, maxBytes: 100 }, (i) => i.size, { overheadBytes: 10 });
    expect(ids(packed.batches)).toEqual([[0], [1], [2, 3]]);
    expect(packed.oversized).toEqual([{ item: items[1], bytes: 510 }]);
    expect(packed.batches.flat()).toHaveLength(items.length);
  });

  it("without a byte limit never measures an item", () => {
    let measured = 0;
    const { batches } = packBatches(sized(1e9, 1e9), { maxItems: 5 }, (i) => (measured++, i.size));
    expect(ids(batches)).toEqual([[0, 1]]);
    expect(measured).toBe(0);
  });

  it("gives nothing for nothing", () => {
    expect(packBatches([], { maxItems: 1, maxBytes: 1 }, () => 1)).toMatchObject({ batches: [], oversized: [] });
  });
});

describe("refuseOversized", () => {
  it("is the batches when every item fits, and a permanent encode error naming the sizes otherwise", () => {
    expect(ids(refuseOversized(packBatches(sized(5, 5), { maxBytes: 10 }, (i) => i.size)))).toEqual([[0, 1]]);
    let error: unknown;
    try {
      refuseOversized(packBatches(sized(5, 11), { maxBytes: 10 }, (i) => i.size));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: "encode", retryable: false, message: expect.stringMatching(/11 bytes, over this destination's 10-byte request limit/) });
  });
});

describe("limitsOf", () => {
  it("reads each definition's declared maxBatch and maxBatchBytes", () => {
    for (const def of DESTINATIONS.values()) expect(limitsOf(def)).toEqual({ maxItems: def.maxBatch, maxBytes: def.maxBatchBytes });
  });
});

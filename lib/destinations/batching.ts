// The one splitter of batches into request-sized groups, for the drain (stored sizes, before
// encoding) and for the encoders (encoded sizes), so every request respects the destination's
// declared maxBatch / maxBatchBytes whatever batch size the engine hands them.
import { DeliveryError } from "@/lib/outbound/errors";
import type { DestinationDefinition } from "./types";

/** Most items and most bytes per request; either may be absent (no limit). */
export type BatchLimits = { maxItems?: number; maxBytes?: number };

/** The limits a definition declares (maxBatch, maxBatchBytes). */
export const limitsOf = (def: Pick<DestinationDefinition, "maxBatch" | "maxBatchBytes">): BatchLimits => ({ maxItems: def.maxBatch, maxBytes: def.maxBatchBytes });

export type Packed<T> = {
  batches: T[][];
  /** Items that alone exceed maxBytes: each is also in a batch of its own (never dropped), and listed here with its size. */
  oversized: { item: T; bytes: number }[];
  maxBytes?: number;
};

export type Framing = {
  /** Fixed bytes around the items of every request (the envelope). */
  overheadBytes?: number;
  /** Bytes between two items (a comma, a newline). */
  separatorBytes?: number;
};

/**
 * Greedy, order-preserving packing. `bytesOf(item)` is the item's size. An item too large to fit
 * a request even alone goes in a batch of its own and is reported in `oversized`: the caller
 * sends it anyway (the drain: the encoder decides on the encoded size) or refuses it
 * (`refuseOversized`: an encoder that would only earn a 413 on every retry).
 */
export function packBatches<T>(items: readonly T[], limits: BatchLimits, bytesOf: (item: T) => number, framing: Framing = {}): Packed<T> {
  const maxItems = limits.maxItems ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxBytes;
  const overhead = framing.overheadBytes ?? 0;
  const separator = framing.separatorBytes ?? 0;
  const packed: Packed<T> = { batches: [], oversized: [], maxBytes };
  let current: T[] = [];
  let currentBytes = overhead;
  const close = () => {
    if (current.length > 0) packed.batches.push(current);
    current = [];
    currentBytes = overhead;
  };
  for (const item of items) {
    const size = maxBytes === undefined ? 0 : bytesOf(item);
    if (maxBytes !== undefined && overhead + size > maxBytes) {
      close();
      packed.batches.push([item]);
      packed.oversized.push({ item, bytes: overhead + size });
      continue;
    }
    const added = current.length > 0 ? size + separator : size;
    if (current.length >= maxItems || (maxBytes !== undefined && currentBytes + added > maxBytes)) close();
    currentBytes += current.length > 0 ? size + separator : size;
    current.push(item);
  }
  close();
  return packed;
}

/** The batches, or a permanent encode error when an item cannot fit a request even alone. */
export function refuseOversized<T>(packed: Packed<T>): T[][] {
  const [first] = packed.oversized;
  if (first) {
    throw new DeliveryError("encode", `A trace encodes to ${first.bytes} bytes, over this destination's ${packed.maxBytes}-byte request limit`, {
      retryable: false,
    });
  }
  return packed.batches;
}

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

// Splits one delivery batch into request-sized groups. Encoders call this so every request they emit
// respects the destination's maxBatch / maxBatchBytes, whatever batch size the engine hands them.
import { DeliveryError } from "./errors";

export type BatchLimits = { maxItems: number; maxBytes?: number };

/**
 * Greedy, order-preserving packing. `bytesOf(item)` is the item's encoded size; `overheadBytes` is the
 * fixed envelope around the items. An item that alone exceeds `maxBytes` is a permanent encode error:
 * sending it would only earn a 413 on every retry.
 */
export function packBatches<T>(items: readonly T[], limits: BatchLimits, bytesOf: (item: T) => number, overheadBytes = 0): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let currentBytes = overheadBytes;
  for (const item of items) {
    const size = limits.maxBytes === undefined ? 0 : bytesOf(item) + 1; // +1: the separator between items
    if (limits.maxBytes !== undefined && overheadBytes + size > limits.maxBytes) {
      throw new DeliveryError("encode", `A trace encodes to ${size} bytes, over this destination's ${limits.maxBytes}-byte request limit`, {
        retryable: false,
      });
    }
    const full = current.length >= limits.maxItems || (limits.maxBytes !== undefined && currentBytes + size > limits.maxBytes);
    if (current.length > 0 && full) {
      groups.push(current);
      current = [];
      currentBytes = overheadBytes;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

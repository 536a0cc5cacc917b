// Delivery for platforms whose ingestion API takes one log per request (Helicone, Keywords AI): each
// trace is its own request, so each trace gets its own outcome. A trace the platform refuses for
// good (a 4xx other than 408/425/429, or an answer `refusal` reads as a failure) fails alone and the
// others are still sent. A retryable failure (429, 5xx, timeout) stops the batch: thrown when nothing
// was delivered yet (the batch fails as a whole, so the circuit sees a failing platform), else
// reported for the traces not yet sent, while the delivered ones stay delivered.
import { DeliveryError } from "@/lib/outbound/errors";
import type { DeliverContext, HttpResult, OutboundRequest, OutboundTrace, TraceFailures } from "./types";

/**
 * What a 2xx answer can still say: the platform's reason it did not store the log, or undefined.
 * (Helicone's log endpoint answers 200 with `{"error": …}` when its database insert failed.)
 */
export type AnswerRefusal = (result: HttpResult) => DeliveryError | undefined;

/** The value as JSON, or a permanent encode error when it is over the platform's request limit. */
export function jsonWithin(value: unknown, maxBytes: number): string {
  const body = JSON.stringify(value);
  const bytes = Buffer.byteLength(body);
  if (bytes > maxBytes) throw new DeliveryError("encode", `A trace encodes to ${bytes} bytes, over this destination's ${maxBytes}-byte request limit`, { retryable: false });
  return body;
}

export async function deliverOnePerRequest(
  traces: OutboundTrace[],
  requestOf: (trace: OutboundTrace) => OutboundRequest,
  ctx: DeliverContext,
  refusal: AnswerRefusal = () => undefined,
): Promise<TraceFailures> {
  const failed: TraceFailures = new Map();
  let delivered = 0;
  for (const [index, trace] of traces.entries()) {
    let error: DeliveryError | undefined;
    try {
      error = refusal(await ctx.send(requestOf(trace)));
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      error = err;
    }
    if (error === undefined) {
      delivered += 1;
      continue;
    }
    if (!error.retryable) {
      failed.set(trace.delivery_id, error);
      continue;
    }
    if (delivered === 0 && failed.size === 0) throw error;
    for (const rest of traces.slice(index)) failed.set(rest.delivery_id, error);
    break;
  }
  return failed;
}

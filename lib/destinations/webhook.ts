// Webhook: OTLP/JSON ExportTraceServiceRequest (OpenRouter's webhook body) to any URL, signed per
// the Standard Webhooks spec (https://www.standardwebhooks.com) when a signing secret is set, so a
// receiver can verify origin and integrity with any Standard Webhooks library.
//
// - `webhook-id` is derived from the delivery ids of the traces in the request: a retry of the
//   same batch carries the same id, so receivers can drop duplicates.
// - `previousSecret` keeps a rotated-out secret signing too (both signatures are sent,
//   space-separated) until every receiver has the new one: rotation without downtime.
// - Requests that carry only test traces (Test connection, Send test trace) are marked
//   `X-Test-Connection: true`, OpenRouter's header for this.
import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { defineDestination, field } from "./define";
import { sha256Hex } from "@/lib/hash";
import { limitsOf, type BatchLimits } from "./batching";
import { mergeHeaders, otlpBodies } from "./otlp";
import type { OutboundRequest, OutboundTrace } from "./types";

/** `whsec_` + base64 of 24–64 random bytes, the Standard Webhooks secret format. */
const SIGNING_SECRET = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;
const SIGNING_SECRET_MESSAGE = "must be a Standard Webhooks secret: whsec_ followed by base64 (24–64 random bytes)";

/** Request bodies stay under 4 MB: common serverless receivers cap bodies at 4.5–6 MB. */
export const WEBHOOK_MAX_BYTES = 4_000_000;

const SIGNING_SECRET_PREFIX = "whsec_";
const SIGNING_SECRET_BYTES = 32;

/** A new signing secret, as the settings form's "Generate" makes one in the browser. */
export function generateWebhookSecret(): string {
  return `${SIGNING_SECRET_PREFIX}${randomBytes(SIGNING_SECRET_BYTES).toString("base64")}`;
}

export const webhookConfig = z
  .object({
    url: field.url("URL", { help: "Receives an OTLP/JSON ExportTraceServiceRequest per batch of traces.", placeholder: "https://example.com/hooks/traces" }),
    method: field.select("Method", ["POST", "PUT"]).default("POST"),
    serviceName: field.serviceName(),
    headers: field.headers(),
    secret: field
      .secret("Signing secret", {
        help: "Signs every request per the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature). Leave empty to send unsigned requests.",
        placeholder: "whsec_…",
        pattern: SIGNING_SECRET,
        patternMessage: `Signing secret ${SIGNING_SECRET_MESSAGE}`,
        generate: { prefix: SIGNING_SECRET_PREFIX, bytes: SIGNING_SECRET_BYTES },
      })
      .optional(),
    previousSecret: field
      .secret("Previous signing secret", {
        help: "While rotating: the old secret keeps signing alongside the new one until your receivers use the new one.",
        placeholder: "whsec_…",
        pattern: SIGNING_SECRET,
        patternMessage: `Previous signing secret ${SIGNING_SECRET_MESSAGE}`,
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    if (config.previousSecret && !config.secret) {
      ctx.addIssue({ code: "custom", path: ["previousSecret"], message: "Previous signing secret is only used next to a current signing secret: set Signing secret too" });
    } else if (config.previousSecret && config.previousSecret === config.secret) {
      ctx.addIssue({ code: "custom", path: ["previousSecret"], message: "Previous signing secret must differ from the current signing secret" });
    }
  });

export type WebhookConfig = z.output<typeof webhookConfig>;

/** Stable per batch: the same traces (by delivery id) always give the same message id. */
export function webhookMessageId(traces: OutboundTrace[]): string {
  return `msg_${sha256Hex(traces.map((t) => t.delivery_id).sort().join("\n")).slice(0, 32)}`;
}

/**
 * `v1,<sig>` for each configured secret, space-separated (Standard Webhooks multi-signature form):
 * base64 HMAC-SHA256, keyed with the secret's base64 part decoded, of `<id>.<unix seconds>.<body>`.
 * node:crypto rather than the standardwebhooks package's sign(), whose pure-JS SHA-256 over every
 * request body was a tenth of the drain's CPU; the tests verify these signatures with that package.
 */
function signatures(config: WebhookConfig, messageId: string, at: Date, body: string): string | undefined {
  const secrets = [config.secret, config.previousSecret].filter((s): s is string => Boolean(s));
  if (secrets.length === 0) return undefined;
  const signed = `${messageId}.${Math.floor(at.getTime() / 1000)}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64")).update(signed).digest("base64")}`)
    .join(" ");
}

/** The signed requests for `traces` at time `at` (pure; `encode` passes the send time). */
export function webhookRequests(traces: OutboundTrace[], config: WebhookConfig, at: Date, limits: BatchLimits = limitsOf(webhook)): OutboundRequest[] {
  return otlpBodies(traces, { encoding: "json", serviceName: config.serviceName, limits }).map(({ items, body }) => {
    const messageId = webhookMessageId(items);
    const signature = signatures(config, messageId, at, body);
    return {
      method: config.method,
      url: config.url,
      headers: mergeHeaders(
        config.headers,
        { "content-type": "application/json" },
        items.every((t) => t.is_test) ? { "x-test-connection": "true" } : {},
        signature
          ? { "webhook-id": messageId, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature }
          : { "webhook-id": messageId },
      ),
      body,
      traceCount: items.length,
    };
  });
}

const webhook = defineDestination({
  type: "webhook",
  name: "Webhook",
  category: "Custom",
  description: "OTLP/JSON traces to your own HTTPS endpoint, signed per the Standard Webhooks spec.",
  docsUrl: "https://www.standardwebhooks.com",
  config: webhookConfig,
  maxBatch: 100,
  maxBatchBytes: WEBHOOK_MAX_BYTES,
  // The signature timestamp must be the send time (receivers reject stale ones), and delivery
  // sends what encode returns straight away, so encode reads the clock here.
  encode: (traces, config, at) => webhookRequests(traces, config, at),
});

export default webhook;

// Dynatrace: its OTLP trace ingest API, `{environment URL}/api/v2/otlp/v1/traces`, OTLP/protobuf
// only (anything else is a 415), gzip, `Authorization: Api-Token <token>` with a token carrying the
// `openTelemetryTrace.ingest` scope. The environment URL is the SaaS one
// (https://{environment-id}.live.dynatrace.com) or, for Managed and ActiveGates,
// https://{domain}[:9999]/e/{environment-id}.
// https://docs.dynatrace.com/docs/shortlink/api-otlp-traces
//
// Its documented trace ingest limits (https://docs.dynatrace.com/docs/shortlink/opentelemetry-traces-ingest),
// applied before sending: at most 128 attributes per span, at most 8 MB per request, and no span
// whose end lies more than 60 minutes in the past (Dynatrace accepts the request and drops such
// spans, so they are refused here with the reason instead of vanishing).
import { z } from "zod";
import { limitsOf } from "./batching";
import { defineDestination, field } from "./define";
import { type Attributes, type OtlpProfile, platformOtlpRequests } from "./otlp";
import type { OutboundRequest } from "./types";

export const DYNATRACE_MAX_SPAN_ATTRIBUTES = 128;
/** 8 MB per request. */
export const DYNATRACE_MAX_BYTES = 8_000_000;
export const DYNATRACE_MAX_SPAN_AGE_MS = 60 * 60 * 1000;

/**
 * The traces URL of an environment URL. Also accepted as pasted: the full OTLP path, and the
 * environment's web UI address (`*.apps.dynatrace.com`, whose API is served on `*.live.dynatrace.com`).
 */
export function dynatraceTracesUrl(environmentUrl: string): string {
  const url = new URL(environmentUrl);
  url.hostname = url.hostname.replace(/\.apps\.dynatrace\.com$/, ".live.dynatrace.com");
  const base = url.toString().replace(/\/+$/, "").replace(/\/api\/v2\/otlp(\/v1\/traces)?$/, "");
  return `${base}/api/v2/otlp/v1/traces`;
}

/** Drops attributes over the per-span limit: the caller's metadata (last keys first) before anything else. */
function keepWithinCount(attrs: Attributes) {
  let excess = attrs.list.length - DYNATRACE_MAX_SPAN_ATTRIBUTES;
  for (let i = attrs.list.length - 1; i >= 0 && excess > 0; i--) {
    if (attrs.list[i].key.startsWith("trace.metadata.")) {
      attrs.list.splice(i, 1);
      excess--;
    }
  }
  if (excess > 0) attrs.list.splice(DYNATRACE_MAX_SPAN_ATTRIBUTES);
}

export const dynatraceProfile: OtlpProfile = { span: keepWithinCount };

const dynatrace = defineDestination({
  type: "dynatrace",
  name: "Dynatrace",
  category: "APM & tracing",
  description: "Traces with GenAI attributes to Dynatrace's OTLP trace ingest API (SaaS, Managed or an ActiveGate).",
  docsUrl: "https://docs.dynatrace.com/docs/shortlink/api-otlp-traces",
  config: z.object({
    environmentUrl: field.url("Environment URL", {
      help: "SaaS: https://{environment-id}.live.dynatrace.com. Managed or an ActiveGate: https://{domain}/e/{environment-id} (an ActiveGate listens on port 9999).",
      placeholder: "https://abc12345.live.dynatrace.com",
    }),
    apiToken: field.secret("Access Token", {
      help: "An access token with the openTelemetryTrace.ingest scope (Access tokens › Generate new token).",
      placeholder: "dt0c01.…",
      pattern: /^(?!Api-Token\s)\S+$/i,
      patternMessage: "Access Token must be the token alone, without spaces or an Api-Token prefix",
    }),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  maxBatchBytes: DYNATRACE_MAX_BYTES,
  refuses: (trace, now) =>
    Date.parse(trace.timing.end) < now.getTime() - DYNATRACE_MAX_SPAN_AGE_MS
      ? `Dynatrace drops spans that ended more than 60 minutes before they arrive; this trace ended at ${trace.timing.end}`
      : undefined,
  encode: (traces, config): OutboundRequest[] =>
    platformOtlpRequests(traces, config, {
      url: dynatraceTracesUrl(config.environmentUrl),
      limits: limitsOf(dynatrace),
      profile: dynatraceProfile,
      auth: { authorization: `Api-Token ${config.apiToken}` },
    }),
});

export default dynatrace;

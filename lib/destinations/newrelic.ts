// New Relic: its native OTLP endpoint (US or EU), `api-key` = an Ingest-License key, protobuf +
// gzip as New Relic recommends. New Relic rejects requests over 1 MB and truncates/drops
// attribute values over 4095 characters and arrays over 64 entries, so requests are split and
// values cut to fit before they leave. https://docs.newrelic.com/docs/opentelemetry/best-practices/opentelemetry-otlp/
import { z } from "zod";
import { defineDestination, field } from "./define";
import { limitsOf } from "./batching";
import type { OutboundRequest } from "./types";
import { type OtlpProfile, platformOtlpRequests } from "./otlp";

export const NEW_RELIC_ENDPOINTS = {
  us: "https://otlp.nr-data.net/v1/traces",
  eu: "https://otlp.eu01.nr-data.net/v1/traces",
} as const;

/** 1 MB (10^6 bytes) per request. */
export const NEW_RELIC_MAX_BYTES = 1_000_000;

export const newRelicProfile: OtlpProfile = { limits: { maxStringLength: 4095, maxArrayLength: 64 } };

const newRelic = defineDestination({
  type: "newrelic",
  name: "New Relic",
  category: "APM & tracing",
  description: "Traces with GenAI attributes to New Relic's OTLP endpoint (AI Monitoring, distributed tracing).",
  docsUrl: "https://docs.newrelic.com/docs/opentelemetry/best-practices/opentelemetry-otlp/",
  config: z.object({
    licenseKey: field.secret("License Key", { help: "An INGEST - LICENSE key of the account that receives the traces." }),
    region: field.select("Region", ["us", "eu"], { labels: { us: "US", eu: "EU" }, help: "The data center of your New Relic account.", target: true }).default("us"),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  maxBatchBytes: NEW_RELIC_MAX_BYTES,
  encode: (traces, config): OutboundRequest[] =>
    platformOtlpRequests(traces, config, {
      url: NEW_RELIC_ENDPOINTS[config.region],
      limits: limitsOf(newRelic),
      profile: newRelicProfile,
      auth: { "api-key": config.licenseKey },
    }),
});

export default newRelic;

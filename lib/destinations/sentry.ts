// Sentry: direct OTLP trace ingestion. Requests go to the project's "OTLP Traces Endpoint"
// (`https://o<org>.ingest.<region>.sentry.io/api/<project>/integration/otlp/v1/traces`) and
// authenticate with `x-sentry-auth: sentry sentry_key=<the DSN's public key>`. Both values come
// from the same Client Keys (DSN) page, so a mismatch is caught when the config is saved.
// Sentry's AI views read the GenAI conventions; `sentry.op` marks the generation as an AI call.
// https://docs.sentry.io/concepts/otlp/direct/traces/
// Environment and release are span attributes Sentry's ingestion (Relay) maps to the event's
// environment and release: `sentry.environment` (metadata.environment, else metadata.env) and
// `sentry.release` (metadata.release), per span since one request carries traces of several
// environments. Custom metadata keys stay as given (`env`, not `trace.metadata.env`), as the span
// data a Sentry SDK records.
import { z } from "zod";
import { defineDestination, field } from "./define";
import { type OtlpProfile, platformOtlpRequests } from "./otlp";
import { environmentOf, releaseOf } from "./trace-document";

/**
 * Sentry's DSN: <scheme>://<public key>[:<secret>]@<host>[/<path>]/<project id>, http allowed for
 * self-hosted Sentry (https://docs.sentry.io/concepts/key-terms/dsn-explainer/).
 */
export const SENTRY_DSN = /^https?:\/\/([^:@]+)(?::[^@]*)?@([^/]+)(?:\/[^/]+)*\/(\d+)\/?$/;

export function parseDsn(dsn: string): { publicKey: string; host: string; projectId: string } | undefined {
  const m = SENTRY_DSN.exec(dsn);
  return m ? { publicKey: m[1], host: m[2], projectId: m[3] } : undefined;
}

/** Why `endpoint` cannot belong to the DSN's project, or undefined when it does. */
export function endpointMismatch(endpoint: string, dsn: string): string | undefined {
  const parsed = parseDsn(dsn);
  if (!parsed) return undefined; // the DSN field reports its own format error
  const url = new URL(endpoint);
  if (url.host !== parsed.host) {
    return `The OTLP endpoint's host (${url.host}) is not the DSN's host (${parsed.host}): copy both from the same project's Client Keys (DSN) page`;
  }
  const project = /\/api\/(\d+)\//.exec(url.pathname)?.[1];
  if (project !== parsed.projectId) {
    return project
      ? `The OTLP endpoint is for project ${project}, but the DSN is for project ${parsed.projectId}: copy both from the same project's Client Keys (DSN) page`
      : `The OTLP endpoint must be the project's OTLP Traces Endpoint (…/api/${parsed.projectId}/integration/otlp/v1/traces)`;
  }
  return undefined;
}

export const sentryProfile: OtlpProfile = {
  metadataPrefix: "",
  span(attrs, { trace, role }) {
    attrs.str("sentry.environment", environmentOf(trace)).str("sentry.release", releaseOf(trace));
    if (role !== "generation") return;
    attrs
      .str("sentry.op", "gen_ai.chat")
      .double("gen_ai.cost.input_tokens", trace.cost.input)
      .double("gen_ai.cost.output_tokens", trace.cost.output)
      .double("gen_ai.cost.total_tokens", trace.cost.total);
  },
};

export default defineDestination({
  type: "sentry",
  name: "Sentry",
  category: "APM & tracing",
  description: "LLM calls as spans in Sentry's trace explorer and AI Agents insights, through Sentry's OTLP endpoint.",
  docsUrl: "https://docs.sentry.io/concepts/otlp/direct/traces/",
  config: z
    .object({
      otlpEndpoint: field.url("OTLP Traces Endpoint", {
        help: "Project settings › Client Keys (DSN) › OTLP Traces Endpoint.",
        placeholder: "https://o123.ingest.us.sentry.io/api/456/integration/otlp/v1/traces",
      }),
      dsn: field.secret("Sentry DSN", {
        help: "The DSN of the same project (Client Keys).",
        placeholder: "https://<key>@o123.ingest.us.sentry.io/456",
        pattern: SENTRY_DSN,
        patternMessage: "Sentry DSN must look like https://<public key>@<host>/<project id> (http:// for a self-hosted Sentry)",
      }),
      serviceName: field.serviceName(),
      headers: field.headers(),
    })
    .superRefine((config, ctx) => {
      const problem = endpointMismatch(config.otlpEndpoint, config.dsn);
      if (problem) ctx.addIssue({ code: "custom", path: ["otlpEndpoint"], message: problem });
    }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: config.otlpEndpoint,
      profile: sentryProfile,
      auth: { "x-sentry-auth": `sentry sentry_key=${parseDsn(config.dsn)!.publicKey}` },
    }),
});

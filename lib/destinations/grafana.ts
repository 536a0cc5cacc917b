// Grafana Cloud: the OTLP gateway of the stack (`{baseUrl}/otlp/v1/traces`), Basic auth with the
// stack's instance id and a Cloud Access Policy token carrying `traces:write`.
// https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/
import { z } from "zod";
import { defineDestination, field } from "./define";
import { basicAuth, joinUrl, platformOtlpRequests } from "./otlp";

/** Users often paste the gateway URL with its /otlp suffix (as Grafana shows it); accept both. */
const gatewayBase = (baseUrl: string) => baseUrl.replace(/\/+$/, "").replace(/\/otlp(\/v1\/traces)?$/, "");

export default defineDestination({
  type: "grafana",
  name: "Grafana Cloud",
  category: "APM & tracing",
  description: "Traces to Grafana Cloud Traces (Tempo) through the stack's OTLP gateway.",
  docsUrl: "https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/",
  config: z.object({
    baseUrl: field
      .url("Base URL", { help: "Your stack's OTLP gateway (Stack details › OpenTelemetry), e.g. https://otlp-gateway-prod-eu-west-2.grafana.net." })
      .default("https://otlp-gateway-prod-us-west-0.grafana.net"),
    instanceId: field.text("Instance ID", {
      help: "The OTLP instance ID shown next to the gateway URL (a number).",
      pattern: /^\d+$/,
      patternMessage: "Instance ID must be the numeric instance ID of your stack",
    }),
    apiKey: field.secret("API Key", { help: "A Cloud Access Policy token with the traces:write scope.", placeholder: "glc_…" }),
    serviceName: field.serviceName(),
    headers: field.headers(),
  }),
  maxBatch: 100,
  encode: (traces, config) =>
    platformOtlpRequests(traces, config, {
      url: joinUrl(gatewayBase(config.baseUrl), "/otlp/v1/traces"),
      auth: { authorization: basicAuth(config.instanceId, config.apiKey) },
    }),
});

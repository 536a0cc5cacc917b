// The brand marks of components/observability/platform-icon.tsx, from simple-icons (CC0; imported one
// by one, so only these reach the bundle), in a chunk of their own: loaded after the first paint.
import {
  siBraintrust,
  siClickhouse,
  siDatadog,
  siGrafana,
  siNewrelic,
  siOpentelemetry,
  siPosthog,
  siPostgresql,
  siSentry,
  siSnowflake,
  siSupabase,
  siWeightsandbiases,
} from "simple-icons";

/** Destination type → its brand's simple-icons path (24×24 viewBox). Weave is Weights & Biases'. */
export const BRAND_MARKS: Record<string, string> = {
  braintrust: siBraintrust.path,
  clickhouse: siClickhouse.path,
  datadog: siDatadog.path,
  grafana: siGrafana.path,
  newrelic: siNewrelic.path,
  "otel-collector": siOpentelemetry.path,
  posthog: siPosthog.path,
  postgres: siPostgresql.path,
  sentry: siSentry.path,
  snowflake: siSnowflake.path,
  supabase: siSupabase.path,
  weave: siWeightsandbiases.path,
};

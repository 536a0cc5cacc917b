// type → definition. Adding a destination is one file and one line here.
import type { DestinationDefinition } from "./types";
import arize from "./arize";
import phoenix from "./phoenix";
import braintrust from "./braintrust";
import clickhouse from "./clickhouse";
import datadog from "./datadog";
import dynatrace from "./dynatrace";
import firehose from "./firehose";
import galileo from "./galileo";
import grafana from "./grafana";
import helicone from "./helicone";
import keywordsai from "./keywordsai";
import langfuse from "./langfuse";
import langsmith from "./langsmith";
import middleware from "./middleware";
import newrelic from "./newrelic";
import opik from "./opik";
import otelCollector from "./otel-collector";
import postgres from "./postgres";
import posthog from "./posthog";
import ramp from "./ramp";
import s3 from "./s3";
import sentry from "./sentry";
import snowflake from "./snowflake";
import supabase from "./supabase";
import weave from "./weave";
import webhook from "./webhook";

const definitions: DestinationDefinition[] = [
  // one line each, in catalog order (OpenRouter's: alphabetical by platform name)
  firehose,
  arize,
  phoenix,
  braintrust,
  clickhouse,
  opik,
  datadog,
  dynatrace,
  galileo,
  grafana,
  helicone,
  keywordsai,
  langfuse,
  langsmith,
  middleware,
  newrelic,
  otelCollector,
  postgres,
  posthog,
  ramp,
  s3,
  sentry,
  snowflake,
  supabase,
  weave,
  webhook,
];

export const DESTINATIONS: ReadonlyMap<string, DestinationDefinition> = new Map(definitions.map((d) => [d.type, d]));

export function getDefinition(type: string): DestinationDefinition | undefined {
  return DESTINATIONS.get(type);
}

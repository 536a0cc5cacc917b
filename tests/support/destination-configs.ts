// A working config per registered destination type, aimed at one base URL (a loopback receiver
// reached through an injected resolver), for the tests that deliver to every type.
import type { LookupFunction } from "@/lib/outbound/ssrf";

/** The host the configurable destinations are pointed at ("*.test": resolved only by loopbackResolver). */
export const CONFIG_TARGET = "collector.tracecast.test";

/** The host of the PostgreSQL destination's connection string (no HTTP request reaches the recorder). */
export const POSTGRES_TARGET = "pg.tracecast.test";
export const GALILEO_PROJECT = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
export const GALILEO_LOG_STREAM = "5fa85f64-5717-4562-b3fc-2c963f66afa7";

/** Per type: the host its requests go to (CONFIG_TARGET where the user chooses it, else the platform's fixed host) and a config. */
export type DestinationConfigs = Record<string, { host: string; config: () => Record<string, unknown> }>;

export function destinationConfigs(base: string): DestinationConfigs {
  return {
    arize: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", spaceKey: "s", modelId: "m", baseUrl: base }) },
    phoenix: { host: CONFIG_TARGET, config: () => ({ baseUrl: base, apiKey: "k" }) },
    braintrust: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", projectId: "p", baseUrl: base }) },
    clickhouse: { host: CONFIG_TARGET, config: () => ({ host: base }) },
    opik: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", workspace: "w", projectName: "p", baseUrl: `${base}/opik/api` }) },
    datadog: { host: CONFIG_TARGET, config: () => ({ apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: base }) },
    dynatrace: { host: CONFIG_TARGET, config: () => ({ environmentUrl: base, apiToken: "dt0c01.k" }) },
    firehose: { host: CONFIG_TARGET, config: () => ({ streamName: "traces", region: "us-east-1", endpoint: base, accessKeyId: "AKIA", secretAccessKey: "secret" }) },
    galileo: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", projectId: GALILEO_PROJECT, logStreamId: GALILEO_LOG_STREAM, baseUrl: base }) },
    grafana: { host: CONFIG_TARGET, config: () => ({ baseUrl: base, instanceId: "1", apiKey: "k" }) },
    helicone: { host: CONFIG_TARGET, config: () => ({ apiKey: "sk-helicone-1", baseUrl: base }) },
    keywordsai: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", baseUrl: base }) },
    langfuse: { host: CONFIG_TARGET, config: () => ({ secretKey: "sk-lf-1", publicKey: "pk-lf-1", baseUrl: base }) },
    langsmith: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", endpoint: base }) },
    middleware: { host: CONFIG_TARGET, config: () => ({ baseUrl: base, accountKey: "k" }) },
    // Fixed host: its (injected) resolution to 127.0.0.1 is what is refused.
    newrelic: { host: "otlp.nr-data.net", config: () => ({ licenseKey: "k" }) },
    "otel-collector": { host: CONFIG_TARGET, config: () => ({ endpoint: `${base}/v1/traces` }) },
    // Not HTTP: its own host name, resolved by the guard and connected to over the wire protocol.
    postgres: { host: POSTGRES_TARGET, config: () => ({ connectionString: `postgresql://tracecast:pw@${POSTGRES_TARGET}:${new URL(base).port}/traces`, tlsMode: "disable" }) },
    posthog: { host: CONFIG_TARGET, config: () => ({ apiKey: "phc_1", endpoint: base }) },
    ramp: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", baseUrl: base }) },
    s3: { host: CONFIG_TARGET, config: () => ({ bucketName: "traces", region: "us-east-1", endpoint: base, accessKeyId: "AKIA", secretAccessKey: "secret" }) },
    sentry: { host: CONFIG_TARGET, config: () => ({ otlpEndpoint: `${base}/api/1/integration/otlp/v1/traces`, dsn: `https://key@${new URL(base).host}/1` }) },
    snowflake: { host: "acme.snowflakecomputing.com", config: () => ({ account: "acme", token: "t" }) },
    supabase: { host: CONFIG_TARGET, config: () => ({ projectUrl: base, apiKey: "sb_secret_k" }) },
    weave: { host: CONFIG_TARGET, config: () => ({ apiKey: "k", entity: "e", project: "p", baseUrl: base }) },
    webhook: { host: CONFIG_TARGET, config: () => ({ url: base }) },
  };
}

/** An injected resolver that answers 127.0.0.1 for every name and records what it was asked. */
export function loopbackResolver(): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup = (hostname: string, _opts: unknown, cb: (err: Error | null, addresses: { address: string; family: number }[]) => void) => {
    asked.push(hostname);
    cb(null, [{ address: "127.0.0.1", family: 4 }]);
  };
  return { lookup: lookup as unknown as LookupFunction, asked };
}

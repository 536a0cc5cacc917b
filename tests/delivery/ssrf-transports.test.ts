// DNS rebinding across every destination transport (lib/destinations/ssrf.ts guardedAgents): the
// shared sender, the AWS SDK (S3), @clickhouse/client and every other destination must connect to
// the address the SSRF guard resolved and checked, never resolve the host again on their own.
// Names are resolved by an injected lookup (no real DNS, nothing leaves the machine): "*.test"
// hostnames and the fixed hosts of New Relic and Snowflake are mapped to 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DeliveryError } from "@/lib/destinations/errors";
import { deliverBatch } from "@/lib/destinations/http";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { guardedAgents, guardedLookup, type LookupFunction } from "@/lib/destinations/ssrf";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";
import { startRecorder, type Recorder } from "../receivers/recorder";

const TARGET = "collector.tracecast.test";

let recorder: Recorder;
let base: string;
beforeAll(async () => {
  recorder = await startRecorder();
  base = `http://${TARGET}:${new URL(recorder.url).port}`;
});
afterAll(() => recorder.close());

const previous = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
afterEach(() => {
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = previous;
  recorder.requests.length = 0;
});

/** A config per registered type whose host is TARGET where the destination lets the user choose it. */
const CONFIGS: Record<string, { host: string; config: () => Record<string, unknown> }> = {
  arize: { host: TARGET, config: () => ({ apiKey: "k", spaceKey: "s", modelId: "m", baseUrl: base }) },
  braintrust: { host: TARGET, config: () => ({ apiKey: "k", projectId: "p", baseUrl: base }) },
  clickhouse: { host: TARGET, config: () => ({ host: base }) },
  opik: { host: TARGET, config: () => ({ apiKey: "k", workspace: "w", projectName: "p", baseUrl: `${base}/opik/api` }) },
  datadog: { host: TARGET, config: () => ({ apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app", url: base }) },
  grafana: { host: TARGET, config: () => ({ baseUrl: base, instanceId: "1", apiKey: "k" }) },
  langfuse: { host: TARGET, config: () => ({ secretKey: "sk-lf-1", publicKey: "pk-lf-1", baseUrl: base }) },
  langsmith: { host: TARGET, config: () => ({ apiKey: "phc_1", endpoint: base }) },
  // Fixed host: its (injected) resolution to 127.0.0.1 is what is refused.
  newrelic: { host: "otlp.nr-data.net", config: () => ({ licenseKey: "k" }) },
  "otel-collector": { host: TARGET, config: () => ({ endpoint: `${base}/v1/traces` }) },
  posthog: { host: TARGET, config: () => ({ apiKey: "phc_1", endpoint: base }) },
  ramp: { host: TARGET, config: () => ({ apiKey: "k", baseUrl: base }) },
  s3: { host: TARGET, config: () => ({ bucketName: "traces", region: "us-east-1", endpoint: base, accessKeyId: "AKIA", secretAccessKey: "secret" }) },
  sentry: { host: TARGET, config: () => ({ otlpEndpoint: `${base}/api/1/integration/otlp/v1/traces`, dsn: `https://key@${new URL(base).host}/1` }) },
  snowflake: { host: "acme.snowflakecomputing.com", config: () => ({ account: "acme", token: "t" }) },
  weave: { host: TARGET, config: () => ({ apiKey: "k", entity: "e", project: "p", baseUrl: base }) },
  webhook: { host: TARGET, config: () => ({ url: base }) },
};

/** An injected resolver that answers 127.0.0.1 for every name and records what it was asked. */
function loopbackResolver(): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup = (hostname: string, _opts: unknown, cb: (err: Error | null, addresses: { address: string; family: number }[]) => void) => {
    asked.push(hostname);
    cb(null, [{ address: "127.0.0.1", family: 4 }]);
  };
  return { lookup: lookup as unknown as LookupFunction, asked };
}

function deliverTo(type: string, lookup: LookupFunction): Promise<unknown> {
  const def = DESTINATIONS.get(type)!;
  const trace = outbound(connectionTestTrace(), 1, `dlv-${type}`);
  return deliverBatch(def, [trace], def.config.parse(CONFIGS[type].config()), { lookup }).then(
    () => undefined,
    (err: unknown) => err,
  );
}

it("has a config for every registered destination type", () => {
  expect(Object.keys(CONFIGS).sort()).toEqual([...DESTINATIONS.keys()].sort());
});

describe.each([...DESTINATIONS.keys()])("%s", (type) => {
  it("connects to the address the guard's resolver answered (its transport resolves nothing itself)", async () => {
    // Operator switch on: the guard checks nothing and only the transport's connection asks the
    // resolver, so the name is resolved exactly once, by the guard's lookup, at connect time.
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
    const { lookup, asked } = loopbackResolver();
    await deliverTo(type, lookup);
    expect(asked).toContain(CONFIGS[type].host);
    // Destinations whose host is configurable reach the loopback recorder through that resolution.
    if (CONFIGS[type].host === TARGET) expect(recorder.requests.length).toBeGreaterThan(0);
  });

  it("is refused at connect time when the name resolves to a private address", async () => {
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
    const { lookup, asked } = loopbackResolver();
    const err = await deliverTo(type, lookup);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: "blocked_target", retryable: false });
    expect((err as DeliveryError).message).toContain(`${CONFIGS[type].host} resolves to 127.0.0.1`);
    expect(asked).toContain(CONFIGS[type].host);
    expect(recorder.requests).toEqual([]);
  });
});

describe("the guard's decision", () => {
  const publicResolver = ((_host: string, _opts: unknown, cb: (err: null, a: { address: string; family: number }[]) => void) =>
    cb(null, [{ address: "93.184.215.14", family: 4 }])) as unknown as LookupFunction;

  it("hands a public answer to the connection (decided, not connected)", async () => {
    const decided = await new Promise<{ err: Error | null; address?: string }>((resolve) =>
      guardedLookup({ allowPrivate: false, lookup: publicResolver })("collector.example.com", {}, (err, address) =>
        resolve({ err, address: address as string }),
      ),
    );
    expect(decided).toEqual({ err: null, address: "93.184.215.14" });
  });

  it("the agents use that same lookup and refuse a private IP literal before connecting", async () => {
    const agents = guardedAgents({ allowPrivate: false, lookup: publicResolver });
    expect(agents["https:"].options.lookup).toBeTypeOf("function");
    const refused = await new Promise<Error | null>((resolve) =>
      agents["http:"].createConnection({ host: "169.254.169.254", port: 80 }, (err) => resolve(err)),
    );
    expect(refused).toMatchObject({ kind: "blocked_target" });
  });
});

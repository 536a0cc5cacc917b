// DNS rebinding across every destination transport (lib/outbound/ssrf.ts guardedAgents): the
// shared sender, the AWS SDK (S3), @clickhouse/client and every other destination must connect to
// the address the SSRF guard resolved and checked, never resolve the host again on their own.
// Names are resolved by an injected lookup (no real DNS, nothing leaves the machine): "*.test"
// hostnames and the fixed hosts of New Relic and Snowflake are mapped to 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch } from "@/lib/destinations/http";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { guardedAgents, guardedLookup, type LookupFunction } from "@/lib/outbound/ssrf";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";
import { startRecorder, type Recorder } from "../receivers/recorder";
import { CONFIG_TARGET as TARGET, destinationConfigs, loopbackResolver, type DestinationConfigs } from "../support/destination-configs";

let recorder: Recorder;
let CONFIGS: DestinationConfigs;
beforeAll(async () => {
  recorder = await startRecorder();
  CONFIGS = destinationConfigs(`http://${TARGET}:${new URL(recorder.url).port}`);
});
afterAll(() => recorder.close());

const previous = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
afterEach(() => {
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = previous;
  recorder.requests.length = 0;
});

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

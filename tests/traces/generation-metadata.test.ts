// The generation-metadata switches (lib/traces/generation-metadata.ts) for every registered
// destination type: a trace carrying every field of every group is shaped (lib/traces/shape.ts, as
// the drain and "Test connection" do) and delivered to a loopback recorder through the type's real
// transport (encoder or SDK); the recorded bytes must not hold a switched-off group's values and
// must hold them when the switch is on. A destination added to the registry is covered here
// without a line of its own (destination-configs.ts needs its config).
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { deliverBatch } from "@/lib/destinations/http";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { acceptTraces } from "@/lib/ingest";
import { drainDestination } from "@/lib/delivery/drain";
import * as one from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import { connectionTestTrace, outbound } from "@/lib/traces/fixtures";
import { GENERATION_METADATA_GROUPS, type GenerationMetadataSwitches } from "@/lib/traces/generation-metadata";
import { shapeTrace } from "@/lib/traces/shape";
import { traceInput, type Trace } from "@/lib/traces/schema";
import { prisma } from "@/lib/db";
import { startRecorder, type Recorder, type RecordedRequest } from "../receivers/recorder";
import { CONFIG_TARGET, destinationConfigs, loopbackResolver, type DestinationConfigs } from "../support/destination-configs";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { viaRecorder } from "../support/recorder-context";
import { apiKeyContext } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const NOW = new Date();
const base = connectionTestTrace(NOW);

/** Per group, the values a trace carries in its fields: distinctive, so finding them in bytes means they were sent. */
const GROUP_VALUES: Record<keyof GenerationMetadataSwitches, { apply: (t: Trace) => Trace; values: (string | number)[] }> = {
  broadcastGenerationCost: {
    apply: (t) => ({ ...t, cost: { input: 0.00031337, output: 0.00042424, total: 0.00073761 } }),
    values: [0.00031337, 0.00042424],
  },
  broadcastGenerationIdentity: {
    apply: (t) => ({
      ...t,
      user: "ident-user-5qx8",
      api_key_name: "ident-key-7rw2",
      response: { ...t.response, id: "ident-resp-3kp9" },
      app: { name: "ident-app-8vn1", url: "https://ident-site-2hb6.example/" },
      user_agent: "ident-agent-6cd3",
    }),
    values: ["ident-user-5qx8", "ident-key-7rw2", "ident-resp-3kp9", "ident-app-8vn1", "ident-site-2hb6", "ident-agent-6cd3"],
  },
  broadcastGenerationRequestContext: {
    // The source is one of four words, not a distinctive value: OTHER_VALUES proves it is not sent when off.
    apply: (t) => ({ ...t, stream: true, finish_reason: "ctx-finish-9tz4", source: "proxy", upstream: "https://ctx-upstream-4mq7.example" }),
    values: ["ctx-finish-9tz4", "ctx-upstream-4mq7"],
  },
};

/** The same trace with other values in one group's fields (stream flipped: a boolean has no distinctive value). */
const OTHER_VALUES: Record<keyof GenerationMetadataSwitches, (t: Trace) => Trace> = {
  broadcastGenerationCost: (t) => ({ ...t, cost: { ...t.cost, input: 0.00011111, output: 0.00062650 } }),
  broadcastGenerationIdentity: (t) => ({
    ...t,
    user: "other-user",
    api_key_name: "other-key",
    response: { ...t.response, id: "other-resp" },
    app: { name: "other-app", url: "https://other.example/" },
    user_agent: "other-agent",
  }),
  broadcastGenerationRequestContext: (t) => ({ ...t, stream: false, finish_reason: "length", source: "otlp", upstream: "https://other-upstream.example" }),
};

/**
 * Groups a destination type carries none of, by its platform's format: the test holds that nothing
 * of the group is sent, on or off (so the entry has to go once the encoder sends them).
 */
const NOT_CARRIED: Partial<Record<string, (keyof GenerationMetadataSwitches)[]>> = {
  // Opik's span has one estimated total cost, no input/output split.
  opik: ["broadcastGenerationCost"],
  // Helicone prices the call itself from model and tokens; Keywords AI has one cost per log.
  helicone: ["broadcastGenerationCost"],
  keywordsai: ["broadcastGenerationCost"],
};

/** Types with no HTTP request to record: their own test reads what they stored. */
const NOT_HTTP: Record<string, string> = { postgres: "tests/destinations/postgres.test.ts checks the switches on the rows stored in a real PostgreSQL" };

const everyField = Object.values(GROUP_VALUES).reduce((t, g) => g.apply(t), base);
const ALL_ON: GenerationMetadataSwitches = { broadcastGenerationCost: true, broadcastGenerationIdentity: true, broadcastGenerationRequestContext: true };

/** Firehose's records travel base64-encoded in its JSON: the record bytes, as the stream stores them. */
const firehoseRecords = (r: RecordedRequest) =>
  r.headers["x-amz-target"] === "Firehose_20150804.PutRecordBatch" ? r.json<{ Records: { Data: string }[] }>().Records.map((record) => Buffer.from(record.Data, "base64")) : [];

/** What reached the platform: each request's URL and body (gunzipped, as the platform reads it). */
const bytesOf = (requests: RecordedRequest[]) =>
  Buffer.concat(
    requests.flatMap((r) => [
      Buffer.from(`${r.path}?${r.query.toString()}\n`),
      r.headers["content-encoding"] === "gzip" ? gunzipSync(r.body) : r.body,
      ...firehoseRecords(r),
    ]),
  );
const bodiesOf = (requests: RecordedRequest[]) => requests.map((r) => (r.headers["content-encoding"] === "gzip" ? gunzipSync(r.body) : r.body).toString("base64"));

/** A value in bytes: as text (JSON, CSV, URLs), and numbers also as the IEEE double protobuf carries. */
function holds(bytes: Buffer, value: string | number): boolean {
  if (bytes.includes(String(value))) return true;
  if (typeof value !== "number") return false;
  const double = Buffer.alloc(8);
  double.writeDoubleLE(value);
  return bytes.includes(double);
}

let recorder: Recorder;
let configs: DestinationConfigs;
beforeAll(async () => {
  // Firehose's SDK reads its answer per record (tests/receivers/firehose.ts is the full receiver); everything else takes "{}".
  recorder = await startRecorder((req) =>
    req.headers["x-amz-target"] === "Firehose_20150804.PutRecordBatch"
      ? {
          status: 200,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: JSON.stringify({ FailedPutCount: 0, Encrypted: false, RequestResponses: req.json<{ Records: unknown[] }>().Records.map((_, i) => ({ RecordId: `record-${i}` })) }),
        }
      : { status: 200, body: "{}" },
  );
  configs = destinationConfigs(`http://${CONFIG_TARGET}:${new URL(recorder.url).port}`);
});
afterAll(() => recorder.close());
const allowPrivate = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
afterEach(() => {
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = allowPrivate;
  recorder.requests.length = 0;
});

async function deliver(type: string, trace: Trace, switches: GenerationMetadataSwitches): Promise<RecordedRequest[]> {
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
  recorder.requests.length = 0;
  const def = DESTINATIONS.get(type)!;
  const traces = [outbound(shapeTrace(trace, { privacyMode: false, ...switches }), 1, `dlv-${type}`)];
  const config = def.config.parse(configs[type].config());
  if (configs[type].host === CONFIG_TARGET) await deliverBatch(def, traces, config, { lookup: loopbackResolver().lookup });
  else {
    // A platform host no config can point elsewhere (New Relic, Snowflake): the same requests, re-pointed at the recorder.
    await viaRecorder(recorder, async (ctx) => {
      if (def.deliver) return def.deliver(traces, config, ctx);
      for (const request of def.encode!(traces, config, new Date())) await ctx.send(request);
    });
  }
  return [...recorder.requests];
}

it("covers every registered destination type", () => {
  expect(Object.keys(configs).sort()).toEqual([...DESTINATIONS.keys()].sort());
});

describe.each([...DESTINATIONS.keys()].filter((type) => !NOT_HTTP[type]))("%s", (type) => {
  describe.each(GENERATION_METADATA_GROUPS.map((g) => [g.wire, g] as const))("%s", (_wire, group) => {
    const { values } = GROUP_VALUES[group.setting];
    const other = OTHER_VALUES[group.setting](everyField);

    it("off: none of the group's values is sent, and other values in its fields change no byte of the bodies", async () => {
      const off = { ...ALL_ON, [group.setting]: false };
      const sent = await deliver(type, everyField, off);
      expect(sent.length).toBeGreaterThan(0);
      const bytes = bytesOf(sent);
      for (const value of values) expect(holds(bytes, value), `${type} sent ${value}`).toBe(false);
      expect(bodiesOf(await deliver(type, other, off))).toEqual(bodiesOf(sent));
    });

    it(NOT_CARRIED[type]?.includes(group.setting) ? "on: its format carries none of the group" : "on: the group's values are sent", async () => {
      const bytes = bytesOf(await deliver(type, everyField, ALL_ON));
      const carried = !NOT_CARRIED[type]?.includes(group.setting);
      expect(values.some((value) => holds(bytes, value)), `${type} sent ${carried ? "none" : "some"} of ${values.join(", ")}`).toBe(carried);
      if (carried) expect(bodiesOf(await deliver(type, other, ALL_ON))).not.toEqual(bodiesOf(await deliver(type, everyField, ALL_ON)));
    });
  });
});

describe("through the destinations API, ingest and the drain", () => {
  it("a new destination sends none of the groups; an admin switches them on and they are sent; a member's switch is a change request", async () => {
    const owner = await createUser("owner");
    const member = await createUser("member");
    const workspaceId = (await createOrganization(owner, "Acme")).id;
    await addMembership(workspaceId, member, "member");
    actAs(owner);
    const created = await call(list.POST, {
      method: "POST",
      params: { workspaceId },
      body: { type: "webhook", name: "Hook", config: { url: `${recorder.url}/hook` } },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.destination.id as string;
    expect(created.json.destination).toMatchObject({ broadcastGenerationCost: false, broadcastGenerationIdentity: false, broadcastGenerationRequestContext: false });

    const ctx = await apiKeyContext(workspaceId, "ident-key-7rw2");
    const every = Object.values(GROUP_VALUES).flatMap((g) => g.values);
    const ingestAndDrain = async () => {
      recorder.requests.length = 0;
      await acceptTraces(ctx, [
        traceInput.parse({
          model: "openai/gpt-4o",
          timing: { start: NOW.toISOString(), end: NOW.toISOString() },
          request: { messages: [{ role: "user", content: "hi" }] },
          response: { id: "ident-resp-3kp9", messages: [{ role: "assistant", content: "hello" }] },
          cost: { input: 0.00031337, output: 0.00042424 },
          user: "ident-user-5qx8",
          app: { name: "ident-app-8vn1", url: "https://ident-site-2hb6.example/" },
          user_agent: "ident-agent-6cd3",
          finish_reason: "ctx-finish-9tz4",
          stream: true,
        }),
        // What the capture proxy passes for the call it recorded.
      ], { source: "proxy", caller: { upstream: "https://ctx-upstream-4mq7.example" } });
      expect(await drainDestination(id)).toMatchObject({ delivered: 1 });
      return bytesOf(recorder.requests);
    };

    const off = await ingestAndDrain();
    expect(off.includes("gpt-4o")).toBe(true);
    for (const value of every) expect(holds(off, value), `sent ${value}`).toBe(false);

    actAs(member);
    const proposed = await call(one.PATCH, { method: "PATCH", params: { workspaceId, destinationId: id }, body: ALL_ON });
    expect(proposed.status, JSON.stringify(proposed.json)).toBe(202);
    expect(await prisma.destination.findUniqueOrThrow({ where: { id } })).toMatchObject({ broadcastGenerationIdentity: false });
    for (const value of every) expect(holds(await ingestAndDrain(), value), `sent ${value}`).toBe(false);

    actAs(owner);
    const saved = await call(one.PATCH, { method: "PATCH", params: { workspaceId, destinationId: id }, body: ALL_ON });
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);
    const on = await ingestAndDrain();
    for (const value of every) expect(holds(on, value), `did not send ${value}`).toBe(true);
  });
});

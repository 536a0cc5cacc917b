// 18.2: JSON nested deeper than MAX_JSON_DEPTH is refused at ingest with a 400 naming the path,
// before anything walks it recursively; a trace at the limit is stored and encodes for every
// destination type.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

import { NextRequest } from "next/server";
import { POST } from "@/app/api/v1/traces/route";
import { MAX_JSON_DEPTH } from "@/lib/api/json-depth";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { clickhouseRows } from "@/lib/destinations/clickhouse";
import { DESTINATIONS } from "@/lib/destinations/registry";
import { s3Objects } from "@/lib/destinations/s3";
import { firehoseRecords } from "@/lib/destinations/firehose";
import { pgRowValues } from "@/lib/destinations/pg-rows";
import { traceRows } from "@/lib/destinations/rows";
import { snowflakeRequests } from "@/lib/destinations/snowflake";
import type { OutboundTrace } from "@/lib/destinations/types";
import { outbound } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import type { Trace } from "@/lib/traces/schema";
import { serveDirectRoutes, type RouteServer } from "../support/direct-routes";
import { postOverHttp } from "../support/http";

/** JSON text of `levels` nested objects ({"a":{"a":…1}}), built as text: JSON.stringify itself would overflow far down. */
const nestedText = (levels: number) => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);

const BASE = {
  model: "openai/gpt-4o-mini",
  request: { messages: [{ role: "user", content: "Hi" }] },
  timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.500Z" },
};

/**
 * Where deep JSON can sit in a trace (every free-form field), as a body whose placeholder "$DEEP" is
 * replaced, and how many levels of nesting the body has above it (root object = 1).
 */
const PLACES = {
  "custom trace metadata": { body: { ...BASE, trace: { deep: "$DEEP" } }, above: 2, path: "trace.deep" },
  "tool parameters": {
    body: { ...BASE, request: { ...BASE.request, tools: [{ type: "function", function: { name: "f", parameters: { deep: "$DEEP" } } }] } },
    above: 6,
    path: "request.tools.0.function.parameters.deep",
  },
  "tool_choice": { body: { ...BASE, request: { ...BASE.request, tool_choice: "$DEEP" } }, above: 2, path: "request.tool_choice" },
  "a provider-specific message key": { body: { ...BASE, request: { messages: [{ role: "user", content: "Hi", audio: "$DEEP" }] } }, above: 4, path: "request.messages.0.audio" },
  "a content part": {
    body: { ...BASE, request: { messages: [{ role: "user", content: [{ type: "text", text: "Hi", extra: "$DEEP" }] }] } },
    above: 6,
    path: "request.messages.0.content.0.extra",
  },
  "a trace in a batch": { body: { traces: [{ ...BASE, trace: { deep: "$DEEP" } }] }, above: 4, path: "traces.0.trace.deep" },
} as const;

/** The body with `totalDepth` levels of nesting in all, the deepest under `place`. */
function bodyNested(place: keyof typeof PLACES, totalDepth: number): string {
  const { body, above } = PLACES[place];
  return JSON.stringify(body).replace('"$DEEP"', nestedText(totalDepth - above));
}

/** One trace nested exactly MAX_JSON_DEPTH deep in every free-form field at once. */
function traceAtTheLimitEverywhere(): string {
  const deep = (above: number) => nestedText(MAX_JSON_DEPTH - above);
  const body = {
    ...BASE,
    request: {
      messages: [{ role: "user", content: [{ type: "text", text: "Hi", extra: "$D6" }], audio: "$D4" }],
      tools: [{ type: "function", function: { name: "f", parameters: { deep: "$D6" } } }],
      tool_choice: "$D2",
    },
    response: { messages: [{ role: "assistant", content: "Hello", annotations: "$D4" }] },
    trace: { trace_id: "deep-1", deep: "$D2" },
  };
  return JSON.stringify(body).replace(/"\$D(\d)"/g, (_, above: string) => deep(Number(above)));
}

let secret: string;
let workspaceId: string;
beforeAll(async () => {
  const workspace = await prisma.workspace.create({ data: { name: "Deep", kind: "organization" } });
  workspaceId = workspace.id;
  ({ secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name: "Deep", actor: null })));
});

function postToNextRoute(body: string) {
  return POST(
    new NextRequest("http://127.0.0.1/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body,
    }),
    { params: Promise.resolve({}) },
  );
}

type ErrorBody = { error: { code: string; message: string; fields?: { path: string; message: string }[] } };

describe("POST /api/v1/traces (route handler): nesting depth", () => {
  it.each(Object.keys(PLACES) as (keyof typeof PLACES)[])("accepts %s nested to the limit and refuses one level more with a 400 naming the path", async (place) => {
    const before = await prisma.tracePayload.count({ where: { workspaceId } });
    const atLimit = await postToNextRoute(bodyNested(place, MAX_JSON_DEPTH));
    expect(atLimit.status, JSON.stringify(await atLimit.clone().json())).toBe(202);
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(before + 1);

    const over = await postToNextRoute(bodyNested(place, MAX_JSON_DEPTH + 1));
    expect(over.status).toBe(400);
    const { error } = (await over.json()) as ErrorBody;
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(`at most ${MAX_JSON_DEPTH} levels`);
    const path = error.fields![0].path;
    expect(path.startsWith(`${PLACES[place].path}.a`)).toBe(true);
    // The container one level past the limit: its path has MAX_JSON_DEPTH segments.
    expect(path.split(".")).toHaveLength(MAX_JSON_DEPTH);
    expect(await prisma.tracePayload.count({ where: { workspaceId } })).toBe(before + 1);
  });

  it.each([4_000, 4_200, 100_000])("refuses a trace nested %i levels deep with a 400, not a 5xx", async (levels) => {
    const res = await postToNextRoute(bodyNested("custom trace metadata", levels));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.fields![0].path).toMatch(/^trace\.deep\.a/);
  });

  it("refuses deep arrays too (the path names their indexes)", async () => {
    const levels = MAX_JSON_DEPTH - 2 + 1;
    const res = await postToNextRoute(JSON.stringify({ ...BASE, trace: { deep: "$DEEP" } }).replace('"$DEEP"', "[".repeat(levels) + "]".repeat(levels)));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.fields![0].path).toMatch(/^trace\.deep(\.0)+$/);
  });
});

describe("direct routes (production server adapter): nesting depth", () => {
  let server: RouteServer;
  beforeAll(async () => {
    server = await serveDirectRoutes();
  });
  afterAll(() => server?.close());

  const send = (urlPath: string, body: string) =>
    postOverHttp(`${server.url}${urlPath}`, { "content-type": "application/json", authorization: `Bearer ${secret}` }, body);

  it("accepts a trace at the limit, refuses one just over and one far over with 400 naming the path", async () => {
    expect((await send("/api/v1/traces", bodyNested("tool parameters", MAX_JSON_DEPTH))).status).toBe(202);
    for (const levels of [MAX_JSON_DEPTH + 1, 100_000]) {
      const answer = await send("/api/v1/traces", bodyNested("tool parameters", levels));
      expect(answer.status).toBe(400);
      expect((JSON.parse(answer.body) as ErrorBody).error.fields![0].path).toMatch(/^request\.tools\.0\.function\.parameters\.deep\.a/);
    }
  });

  it("refuses a proxied call nested too deeply with a 400 before it reaches any upstream", async () => {
    const deepChat = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], metadata: "$DEEP" }).replace('"$DEEP"', nestedText(10_000));
    const answer = await send("/api/v1/chat/completions", deepChat);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toContain(`at most ${MAX_JSON_DEPTH} levels`);
  });
});

describe("a trace at the limit in every field", () => {
  it("is stored and encodes for every destination type without throwing (privacy mode too)", async () => {
    const res = await postToNextRoute(traceAtTheLimitEverywhere());
    expect(res.status).toBe(202);
    const { ids } = (await res.json()) as { ids: string[] };
    const row = await prisma.tracePayload.findFirstOrThrow({ where: { workspaceId, data: { path: ["id"], equals: ids[0] } } });
    const stored = row.data as unknown as Trace;
    expect(stored.metadata.deep).toBeTruthy();

    const encodeFor: Record<string, (traces: OutboundTrace[]) => unknown> = {};
    for (const def of DESTINATIONS.values()) {
      const config = def.config.parse(CONFIGS[def.type]);
      encodeFor[def.type] = def.encode
        ? (traces) => def.encode!(traces, config, new Date())
        : (traces) => CUSTOM_TRANSPORT_ENCODERS[def.type](traces, config as never);
    }
    expect(Object.keys(encodeFor).sort()).toEqual(Object.keys(CONFIGS).sort());
    for (const [type, encode] of Object.entries(encodeFor)) {
      for (const trace of [stored, applyPrivacy(stored)]) {
        const encoded = encode([outbound(trace)]);
        expect(JSON.stringify(encoded, (_k, v: unknown) => (v instanceof Uint8Array ? v.byteLength : v)).length, type).toBeGreaterThan(0);
      }
    }
  });
});

/** A valid configuration of every destination type (nothing is sent: only encoded). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  arize: { apiKey: "ak", spaceKey: "sk", modelId: "m" },
  phoenix: { baseUrl: "https://app.phoenix.arize.com/s/acme", apiKey: "phx" },
  braintrust: { apiKey: "bt", projectId: "p" },
  clickhouse: { host: "https://clickhouse.example.com:8443" },
  opik: { apiKey: "ok", workspace: "w", projectName: "p" },
  datadog: { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "app" },
  dynatrace: { environmentUrl: "https://abc12345.live.dynatrace.com", apiToken: "dt0c01.t" },
  firehose: { streamName: "traces", region: "us-east-1", accessKeyId: "a", secretAccessKey: "s" },
  galileo: { apiKey: "k", projectId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", logStreamId: "5fa85f64-5717-4562-b3fc-2c963f66afa7" },
  grafana: { instanceId: "1", apiKey: "g" },
  helicone: { apiKey: "sk-helicone-1" },
  keywordsai: { apiKey: "k" },
  langfuse: { secretKey: "sk-lf-1", publicKey: "pk-lf-1" },
  langsmith: { apiKey: "ls" },
  middleware: { baseUrl: "https://abc123.middleware.io", accountKey: "mw" },
  newrelic: { licenseKey: "nr" },
  "otel-collector": { endpoint: "https://collector.example.com/v1/traces" },
  postgres: { connectionString: "postgresql://tracecast:pw@db.example.com:5432/traces" },
  posthog: { apiKey: "phc_1" },
  ramp: { apiKey: "rk" },
  s3: { bucketName: "traces-bucket", accessKeyId: "a", secretAccessKey: "s" },
  sentry: { otlpEndpoint: "https://o1.ingest.sentry.io/api/1/integration/otlp/v1/traces", dsn: "https://pk@o1.ingest.sentry.io/1" },
  snowflake: { account: "acme-prod", token: "t" },
  supabase: { projectUrl: "https://abcdefghijklmnop.supabase.co", apiKey: "sb_secret_k" },
  weave: { apiKey: "w", entity: "e", project: "p" },
  webhook: { url: "https://hooks.example.com/t" },
};

/** The pure encoders behind the destinations that deliver through an SDK or client of their own. */
const CUSTOM_TRANSPORT_ENCODERS: Record<string, (traces: OutboundTrace[], config: never) => unknown> = {
  s3: (traces, config) => s3Objects(traces, config),
  firehose: (traces) => firehoseRecords(traces),
  clickhouse: (traces) => clickhouseRows(traces),
  snowflake: (traces, config) => snowflakeRequests(traces, config),
  // The values of its INSERT's parameters, as the driver sends them.
  postgres: (traces) => traces.flatMap(traceRows).map(pgRowValues),
};

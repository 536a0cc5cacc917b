import { beforeEach, describe, expect, it, vi } from "vitest";

// A small burst so the 429 test needs few requests; other tests use a fresh key each.
process.env.TRACECAST_INGEST_BURST = "20";
process.env.TRACECAST_INGEST_RATE_PER_SEC = "0.5";

vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

import { NextRequest } from "next/server";
import { POST } from "@/app/api/v1/traces/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import type { Prisma } from "@/lib/generated/prisma/client";
import { samplingKey, samplingPoint } from "@/lib/routing/sampling";
import { LIMITS, type Trace, type TraceInput } from "@/lib/traces/schema";

const kick = vi.mocked(kickDestinations);

async function workspaceWithKey(opts: { broadcastEnabled?: boolean; keyName?: string } = {}) {
  const workspace = await prisma.workspace.create({ data: { name: "Acme", kind: "organization", broadcastEnabled: opts.broadcastEnabled ?? true } });
  const { apiKey, secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: opts.keyName ?? "Production", actor: null }));
  return { workspace, apiKey, secret };
}

function destination(workspaceId: string, name: string, data: Partial<Prisma.DestinationUncheckedCreateInput> = {}) {
  return prisma.destination.create({ data: { workspaceId, type: "webhook", name, config: { url: "http://127.0.0.1:9/" }, ...data } });
}

function traceBody(overrides: Partial<TraceInput> = {}): TraceInput {
  return {
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: "What's the weather in Paris?" }] },
    response: { messages: [{ role: "assistant", content: "Sunny." }] },
    usage: { prompt_tokens: 12, completion_tokens: 3 },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
    ...overrides,
  };
}

function post(body: unknown, headers: Record<string, string> = {}) {
  return POST(
    new NextRequest("http://127.0.0.1/api/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
}

const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });

async function storedTraces(workspaceId: string) {
  const rows = await prisma.tracePayload.findMany({ where: { workspaceId }, orderBy: { receivedAt: "asc" } });
  return rows.map((r) => ({ ...r, trace: r.data as unknown as Trace }));
}

beforeEach(() => kick.mockClear());

describe("POST /api/v1/traces: accepted traces", () => {
  it("stores a single trace, normalized, and answers 202 with its id", async () => {
    const { workspace, apiKey, secret } = await workspaceWithKey({ keyName: "Backend" });
    const res = await post(traceBody({ id: "my-gen-1", user: "u1", cost: { input: 0.001, output: 0.002 } }), auth(secret));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ids: ["my-gen-1"] });

    const [row, ...others] = await storedTraces(workspace.id);
    expect(others).toEqual([]);
    expect(row.id).toMatch(/^gen-/); // the storage id is ours, never the caller's
    expect(row).toMatchObject({ apiKeyId: apiKey.id, isTest: false, sizeBytes: Buffer.byteLength(JSON.stringify(row.data)) });
    expect(row.trace).toMatchObject({
      id: "my-gen-1",
      api_key_name: "Backend",
      user: "u1",
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      cost: { input: 0.001, output: 0.002, total: 0.003 },
      timing: { duration_ms: 800 },
      received_at: row.receivedAt.toISOString(),
    });
  });

  it("stores a batch in order and returns the ids in input order", async () => {
    const { workspace, secret } = await workspaceWithKey();
    const res = await post({ traces: [traceBody({ id: "a" }), traceBody(), traceBody({ id: "c" })] }, auth(secret));
    expect(res.status).toBe(202);
    const { ids } = await res.json();
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe("a");
    expect(ids[1]).toMatch(/^gen-[0-9a-f-]{36}$/);
    expect(ids[2]).toBe("c");
    const rows = await storedTraces(workspace.id);
    expect(rows.map((r) => r.trace.id).sort()).toEqual([...ids].sort());
    // A generated trace id is also the row's id.
    expect(rows.find((r) => r.trace.id === ids[1])!.id).toBe(ids[1]);
  });

  it("takes session_id from x-session-id when the body has none; the body wins otherwise", async () => {
    const { workspace, secret } = await workspaceWithKey();
    await post(traceBody({ id: "from-header" }), { ...auth(secret), "x-session-id": "hdr-session" });
    await post(traceBody({ id: "from-body", session_id: "body-session" }), { ...auth(secret), "x-session-id": "hdr-session" });
    await post(traceBody({ id: "none" }), auth(secret));
    const sessions = Object.fromEntries((await storedTraces(workspace.id)).map((r) => [r.trace.id, r.trace.session_id]));
    expect(sessions).toEqual({ "from-header": "hdr-session", "from-body": "body-session", none: null });
  });

  it("records the calling app from the body, else from X-Title and HTTP-Referer; not the trace shipper's User-Agent", async () => {
    const { workspace, secret } = await workspaceWithKey();
    const headers = { ...auth(secret), "x-title": "Checkout bot", "http-referer": "https://shop.example/checkout", "user-agent": "trace-shipper/1.0" };
    await post(traceBody({ id: "from-headers" }), headers);
    await post(traceBody({ id: "from-body", app: { name: "Support bot" }, user_agent: "OpenAI/JS 6.9.1" }), headers);
    await post(traceBody({ id: "referer-only" }), { ...auth(secret), referer: "https://other.example/" });
    await post(traceBody({ id: "none" }), auth(secret));
    const byId = Object.fromEntries((await storedTraces(workspace.id)).map((r) => [r.trace.id, r.trace]));
    expect(byId["from-headers"]).toMatchObject({ app: { name: "Checkout bot", url: "https://shop.example/checkout" }, user_agent: null, source: "api", upstream: null });
    // Field by field: the body's name wins, the header still gives the url the body left out.
    expect(byId["from-body"]).toMatchObject({ app: { name: "Support bot", url: "https://shop.example/checkout" }, user_agent: "OpenAI/JS 6.9.1" });
    expect(byId["referer-only"].app).toEqual({ name: null, url: "https://other.example/" });
    expect(byId.none).toMatchObject({ app: { name: null, url: null }, user_agent: null, source: "api" });
    // Over-long headers are cut (they describe the call), an over-long body field is refused as any other.
    await post(traceBody({ id: "long-title" }), { ...auth(secret), "x-title": "t".repeat(LIMITS.nameLength + 50) });
    expect((await storedTraces(workspace.id)).find((r) => r.trace.id === "long-title")!.trace.app!.name).toHaveLength(LIMITS.nameLength);
    const refused = await post(traceBody({ user_agent: "u".repeat(LIMITS.userAgentLength + 1) }), auth(secret));
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.fields.map((f: { path: string }) => f.path)).toEqual(["user_agent"]);
  });

  it("stores multimodal content as placeholders", async () => {
    const { workspace, secret } = await workspaceWithKey();
    const image = `data:image/png;base64,${"iVBORw0KGgo".repeat(2000)}`;
    const res = await post(
      traceBody({
        request: {
          messages: [{ role: "user", content: [{ type: "text", text: "Describe" }, { type: "image_url", image_url: { url: image } }, { type: "input_audio", input_audio: { data: "UklGR", format: "wav" } }] }],
        },
      }),
      auth(secret),
    );
    expect(res.status).toBe(202);
    const [row] = await storedTraces(workspace.id);
    expect(row.trace.request.messages[0].content).toEqual([
      { type: "text", text: "Describe" },
      { type: "text", text: "[image omitted]" },
      { type: "text", text: "[audio omitted]" },
    ]);
    expect(JSON.stringify(row.data)).not.toContain("iVBORw0KGgo");
    expect(row.sizeBytes).toBeLessThan(2000);
  });
});

describe("POST /api/v1/traces: outbox rows", () => {
  it("routes each trace in the log to every destination that takes it and kicks the unpaused ones after commit", async () => {
    const { workspace, apiKey, secret } = await workspaceWithKey();
    const { apiKey: otherKey } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: "Other", actor: null }));
    const sessionId = "session-routing";
    const point = samplingPoint(samplingKey({ id: "x", session_id: sessionId, trace: { trace_id: null } as Trace["trace"] }));

    const all = await destination(workspace.id, "all");
    const included = await destination(workspace.id, "included", { apiKeyInclude: [apiKey.id] });
    const sampledIn = await destination(workspace.id, "sampled in", { samplingRate: Math.min(1, point + 0.001) });
    const filtered = await destination(workspace.id, "filter match", { filterRules: { groups: [{ rules: [{ field: "input", operator: "contains", value: "Paris" }] }] } });
    const skipped = await Promise.all([
      destination(workspace.id, "other key only", { apiKeyInclude: [otherKey.id] }),
      destination(workspace.id, "excluded", { apiKeyExclude: [apiKey.id] }),
      destination(workspace.id, "disabled", { enabled: false }),
      destination(workspace.id, "deleted", { deletedAt: new Date() }),
      destination(workspace.id, "sampled out", { samplingRate: Math.max(0.0001, point - 0.001) }),
      destination(workspace.id, "filter miss", { filterRules: { groups: [{ rules: [{ field: "model", operator: "starts_with", value: "anthropic/" }] }] } }),
    ]);
    // Queued and held until Resume, but not kicked.
    const held = [await destination(workspace.id, "paused", { status: "paused" }), await destination(workspace.id, "auto-paused", { status: "auto_paused" })];
    const stranger = await workspaceWithKey();
    await destination(stranger.workspace.id, "another workspace");

    const before = Date.now();
    const res = await post({ traces: [traceBody({ session_id: sessionId }), traceBody({ session_id: sessionId })] }, auth(secret));
    expect(res.status).toBe(202);

    // Routed in the log: each trace carries { destinationId: samplingRate }; no Delivery row is written.
    expect(await prisma.delivery.count({ where: { workspaceId: workspace.id } })).toBe(0);
    const traces = await prisma.tracePayload.findMany({ where: { workspaceId: workspace.id }, select: { routes: true } });
    const routedIds = [all, included, sampledIn, filtered].map((d) => d.id);
    const rates = new Map((await prisma.destination.findMany({ where: { workspaceId: workspace.id } })).map((d) => [d.id, d.samplingRate]));
    expect(traces).toHaveLength(2);
    for (const { routes } of traces) {
      expect(routes).toEqual(Object.fromEntries([...routedIds, ...held.map((d) => d.id)].map((id) => [id, rates.get(id)])));
    }
    const deliveries = traces.flatMap(({ routes }) => Object.keys(routes as Record<string, number>).map((destinationId) => ({ destinationId })));
    expect(deliveries).toHaveLength(12); // 2 traces × 6 destinations
    expect(skipped.every((s) => !deliveries.some((d) => d.destinationId === s.id))).toBe(true);
    expect(kick).toHaveBeenCalledTimes(1);
    expect(new Set(kick.mock.calls[0][0])).toEqual(new Set(routedIds));
  });

  it("stores traces but queues nothing when broadcast is disabled", async () => {
    const { workspace, secret } = await workspaceWithKey({ broadcastEnabled: false });
    await destination(workspace.id, "all");
    const res = await post(traceBody(), auth(secret));
    expect(res.status).toBe(202);
    expect(await prisma.tracePayload.count({ where: { workspaceId: workspace.id } })).toBe(1);
    expect(await prisma.delivery.count({ where: { workspaceId: workspace.id } })).toBe(0);
    expect(kick).not.toHaveBeenCalled();
  });
});

describe("POST /api/v1/traces: errors", () => {
  async function expectError(res: Response, status: number, code: string, message?: RegExp) {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.error.code).toBe(code);
    if (message) expect(body.error.message).toMatch(message);
    return body.error as { message: string; fields?: { path: string; message: string }[] };
  }

  it("401 without, with a malformed, an unknown or a revoked key", async () => {
    const { workspace, apiKey, secret } = await workspaceWithKey();
    await expectError(await post(traceBody()), 401, "unauthorized", /Authorization: Bearer/);
    await expectError(await post(traceBody(), { authorization: "Bearer nope" }), 401, "unauthorized");
    await expectError(await post(traceBody(), auth(`tc_${"A".repeat(43)}`)), 401, "unauthorized");
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
    await expectError(await post(traceBody(), auth(secret)), 401, "unauthorized", /revoked/);
    expect(await prisma.tracePayload.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });

  it("400 naming the failing field of a batch item, and stores nothing of the batch", async () => {
    const { workspace, secret } = await workspaceWithKey();
    await destination(workspace.id, "all");
    const bad = { ...traceBody(), model: "" };
    const error = await expectError(await post({ traces: [traceBody(), traceBody(), traceBody(), bad] }, auth(secret)), 400, "invalid_request", /traces\.3\.model/);
    expect(error.fields!.map((f) => f.path)).toEqual(["traces.3.model"]);
    expect(await prisma.tracePayload.count({ where: { workspaceId: workspace.id } })).toBe(0);
    expect(await prisma.delivery.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });

  it("400 naming the field of a single trace, and for bad JSON or an empty body", async () => {
    const { secret } = await workspaceWithKey();
    const error = await expectError(await post({ ...traceBody(), usage: { prompt_tokens: -1 } }, auth(secret)), 400, "invalid_request");
    expect(error.fields!.map((f) => f.path)).toEqual(["usage.prompt_tokens"]);
    await expectError(await post("{not json", auth(secret)), 400, "invalid_json");
    await expectError(await post("", auth(secret)), 400, "invalid_request", /body is required/);
  });

  it("400 naming the field for text PostgreSQL cannot store (\\u escapes of NUL or a lone surrogate); paired and raw emoji pass", async () => {
    const { workspace, secret } = await workspaceWithKey();
    // JSON text with `raw` written verbatim where the content goes (escapes stay escapes).
    const withContent = (raw: string) => JSON.stringify(traceBody({ request: { messages: [{ role: "user", content: "CONTENT" }] } })).replace("CONTENT", raw);
    for (const escape of ["\\u0000", "\\uD800", "\\udfff"]) {
      const error = await expectError(await post(withContent(`a${escape}b`), auth(secret)), 400, "invalid_request");
      expect(error.fields!.map((f) => f.path)).toEqual(["request.messages.0.content"]);
    }
    const key = await expectError(await post(JSON.stringify({ ...traceBody(), trace: { KEY: 1 } }).replace("KEY", "k\\u0000"), auth(secret)), 400, "invalid_request");
    expect(key.fields!.map((f) => f.path)).toEqual(["trace.k\u0000"]);
    expect(await prisma.tracePayload.count({ where: { workspaceId: workspace.id } })).toBe(0);
    expect((await post(withContent("smile \\ud83d\\ude00 and 😀"), auth(secret))).status).toBe(202);
  });

  it("400 naming x-session-id when the header is longer than 128 characters", async () => {
    const { workspace, secret } = await workspaceWithKey();
    const error = await expectError(await post(traceBody(), { ...auth(secret), "x-session-id": "s".repeat(LIMITS.sessionIdLength + 1) }), 400, "invalid_request", /x-session-id/);
    expect(error.fields!.map((f) => f.path)).toEqual(["x-session-id"]);
    expect(await prisma.tracePayload.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });

  it("413 stating the limit for a body above it", async () => {
    const { secret } = await workspaceWithKey();
    const huge = traceBody({ request: { messages: [{ role: "user", content: "x".repeat(LIMITS.bodyBytes) }] } });
    await expectError(await post(huge, auth(secret)), 413, "payload_too_large", new RegExp(`${LIMITS.bodyBytes} bytes`));
  });

  it("415 for a content type other than JSON", async () => {
    const { secret } = await workspaceWithKey();
    await expectError(await post(traceBody(), { ...auth(secret), "content-type": "text/plain" }), 415, "unsupported_media_type", /application\/json/);
  });

  it("429 with Retry-After once a key's burst is spent, without affecting other keys", async () => {
    const { secret } = await workspaceWithKey();
    const other = await workspaceWithKey();
    // The limit is checked before the body is read: even invalid requests spend tokens.
    for (let i = 0; i < 20; i++) expect((await post("{}", auth(secret))).status).toBe(400);
    const res = await post(traceBody(), auth(secret));
    await expectError(res, 429, "rate_limited", /retry after 2 s/);
    expect(res.headers.get("retry-after")).toBe("2");
    expect((await post(traceBody(), auth(other.secret))).status).toBe(202);
  });
});

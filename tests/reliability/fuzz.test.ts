// Fuzzing the ingest API and the destinations API through their real route handlers: thousands of
// seeded malformed bodies and headers must never produce a 5xx, every 4xx must be the JSON error
// shape naming a field of the input, and nothing rejected may be stored.
// Reproduce a failure with the printed seed: RELIABILITY_SEED=<seed> npx vitest run tests/reliability/fuzz.test.ts
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as destinationRoute from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/route";
import * as destinationsRoute from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as traces from "@/app/api/v1/traces/route";
import { createApiKey } from "@/lib/api-keys";
import { findMembership } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { actAs } from "../support/session-mock";
import { createUser } from "../support/accounts";
import { badValue, brokenJson, pathExistsIn, pathsOf, prng, RAW_NUMBER_TOKENS, REMOVE, seedFromEnv, setAt, withRawToken, type Rng } from "./fuzz";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const SEED = seedFromEnv();
console.log(`[fuzz] seed ${SEED} (RELIABILITY_SEED=${SEED} reproduces this run)`);

const INGEST_CASES = Number(process.env.FUZZ_INGEST_CASES ?? 10_000);
const DESTINATION_CASES = Number(process.env.FUZZ_DESTINATION_CASES ?? 2_000);

type RouteHandler = (req: NextRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Case = { description: string; /** Malformed inputs in this request (a batch carries several). */ cases?: number; body: string | null; headers: Record<string, string>; input: unknown; method?: string };
type Outcome = { status: number; json: unknown };

async function send(handler: RouteHandler, c: Case, params: Record<string, string> = {}): Promise<Outcome> {
  const req = new NextRequest("http://127.0.0.1/api/fuzz", { method: c.method ?? "POST", headers: c.headers, ...(c.body === null ? {} : { body: c.body }) });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { unparsable: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

/** The contract of every answer to a malformed request; returns a failure description or undefined. */
function violation(c: Case, out: Outcome): string | undefined {
  if (out.status >= 500) return `${out.status}: ${JSON.stringify(out.json).slice(0, 300)}`;
  if (out.status < 400) return undefined;
  const error = (out.json as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string") return `${out.status} without the error shape: ${JSON.stringify(out.json).slice(0, 300)}`;
  if (error.code !== "invalid_request") return undefined;
  // A blank body has no field to name; every other invalid_request must name one.
  if (!Array.isArray(error.fields) || error.fields.length === 0) return c.body?.trim() ? `invalid_request without fields: ${error.message}` : undefined;
  for (const field of error.fields as { path: string }[]) {
    if (field.path.startsWith("x-session-id")) continue; // a header, not a body path
    if (!pathExistsIn(c.input, field.path)) return `field path "${field.path}" is not in the input`;
  }
  return undefined;
}

function validTraceInput(i: number) {
  return {
    id: `fuzz-${i}`,
    model: "openai/gpt-4o-mini",
    provider: "openai",
    request: {
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "Hi" }] },
      ],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      parameters: { temperature: 0.2, max_tokens: 64 },
    },
    response: { id: "resp-1", model: "gpt-4o-mini", messages: [{ role: "assistant", content: "Hello", tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }] }] },
    usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 },
    cost: { input: 0.0001, output: 0.0002, total: 0.0003 },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:01.000Z", time_to_first_token_ms: 120 },
    finish_reason: "stop",
    stream: false,
    status: "ok",
    user: "user-1",
    session_id: "session-1",
    trace: { trace_id: "t-1", trace_name: "fuzz", custom: { nested: true } },
  };
}

const JSON_TYPE = { "content-type": "application/json" };
const MUTATIONS_PER_BATCH = 8;

/** One malformed ingest request: a mutated body, broken JSON, an odd header, or an oversized batch. */
function ingestCase(rng: Rng, i: number, key: string): Case {
  const auth = { authorization: `Bearer ${key}` };
  const base = rng.chance(0.3) ? { traces: [validTraceInput(i), validTraceInput(i + 1)] } : validTraceInput(i);
  const paths = pathsOf(base);
  const kind = rng.int(100);
  if (kind < 25) {
    const path = rng.pick(paths);
    const input = setAt(base, path, rng.chance(0.12) ? REMOVE : badValue(rng));
    return { description: `bad value at ${path.join(".")}`, body: JSON.stringify(input), headers: { ...JSON_TYPE, ...auth }, input };
  }
  if (kind < 55) {
    // Many malformed traces per request (the batch API allows it): each trace has its own bad value.
    let input: unknown = { traces: Array.from({ length: MUTATIONS_PER_BATCH }, (_, n) => validTraceInput(i * 100 + n)) };
    const tracePaths = pathsOf(validTraceInput(0));
    for (let n = 0; n < MUTATIONS_PER_BATCH; n++) input = setAt(input, ["traces", n, ...rng.pick(tracePaths)], rng.chance(0.12) ? REMOVE : badValue(rng));
    return { description: "bad value in every trace of a batch", cases: MUTATIONS_PER_BATCH, body: JSON.stringify(input), headers: { ...JSON_TYPE, ...auth }, input };
  }
  if (kind < 70) {
    const path = rng.pick(paths);
    const token = rng.pick(RAW_NUMBER_TOKENS);
    return { description: `raw ${token} at ${path.join(".")}`, body: withRawToken(base, path, token), headers: { ...JSON_TYPE, ...auth }, input: setAt(base, path, 0) };
  }
  if (kind < 80) return { description: "broken JSON", body: brokenJson(rng, JSON.stringify(base)), headers: { ...JSON_TYPE, ...auth }, input: base };
  if (kind < 85) {
    const input = rng.pick([
      () => ({ traces: Array.from({ length: 501 }, (_, n) => ({ model: `m${n}` })) }),
      () => ({ traces: [] }),
      () => ({ traces: "all of them" }),
      () => [validTraceInput(i)],
      () => "a string",
      () => 42,
      () => null,
    ])();
    return { description: "odd batch", body: JSON.stringify(input), headers: { ...JSON_TYPE, ...auth }, input };
  }
  if (kind < 92) {
    const headers = rng.pick<Record<string, string>>([
      {},
      { authorization: "" },
      { authorization: "Bearer" },
      { authorization: "Bearer " },
      { authorization: `Basic ${Buffer.from("user:pass").toString("base64")}` },
      { authorization: `Bearer ${key}x` },
      { authorization: `Bearer tc_${"a".repeat(5000)}` },
      { authorization: `Bearer ${key} extra` },
      { authorization: "Bearer \u00ff\u00fe" },
    ]);
    return { description: `authorization ${JSON.stringify(headers).slice(0, 60)}`, body: JSON.stringify(base), headers: { ...JSON_TYPE, ...headers }, input: base };
  }
  if (kind < 96) {
    const type = rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx", "json"]);
    return { description: `content-type "${type}"`, body: JSON.stringify(base), headers: { ...(type ? { "content-type": type } : {}), ...auth }, input: base };
  }
  // (NUL and other control bytes cannot travel in an HTTP header at all: fetch refuses them client-side.)
  const session = rng.pick(["", "x".repeat(129), "a\tb", "\u00e9\u00e9", "  padded  "]);
  return { description: "odd x-session-id", body: JSON.stringify(base), headers: { ...JSON_TYPE, ...auth, "x-session-id": session }, input: base };
}

async function countTraces() {
  return prisma.tracePayload.count();
}

describe(`fuzzing (seed ${SEED})`, () => {
  let key: string;
  let workspaceId: string;
  let owner: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    // The storm is tens of thousands of requests from one key: the limiter is not what is tested here.
    process.env.TRACECAST_INGEST_RATE_PER_SEC = "1000000";
    process.env.TRACECAST_INGEST_BURST = "1000000";
    owner = await createUser("fuzz-owner");
    workspaceId = owner.personalWorkspaceId;
    const ctx = (await findMembership(owner, workspaceId))!;
    key = (await createApiKey(ctx, { name: "fuzz" })).secret;
  });

  it(`ingest: ${INGEST_CASES} malformed inputs → never 5xx, JSON errors naming input fields, nothing rejected stored`, { timeout: 120_000 }, async () => {
    const rng = prng(SEED);
    const before = await countTraces();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let accepted = 0;
    const started = performance.now();
    let requests = 0;
    for (let i = 0; i < INGEST_CASES; requests++) {
      const c = ingestCase(rng, i, key);
      i += c.cases ?? 1;
      const out = await send(traces.POST as RouteHandler, c);
      statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
      if (out.status === 202) accepted += (out.json as { ids: string[] }).ids.length;
      const problem = violation(c, out);
      if (problem && failures.length < 20) failures.push(`request ${requests} (${c.description}): ${problem}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`[fuzz] ingest: ${INGEST_CASES} cases in ${requests} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    // Only the requests answered 202 stored anything, and exactly what they said.
    expect(await countTraces()).toBe(before + accepted);
    // Most cases must really be malformed: a generator that drifted into valid input tests nothing.
    expect(statuses.get(202) ?? 0).toBeLessThan(requests * 0.25);

    const after = await send(traces.POST as RouteHandler, { description: "valid", body: JSON.stringify(validTraceInput(-1)), headers: { ...JSON_TYPE, authorization: `Bearer ${key}` }, input: null });
    expect(after.status).toBe(202);
    expect(await countTraces()).toBe(before + accepted + 1);
  });

  it(`destinations API: ${DESTINATION_CASES} malformed create/update bodies → never 5xx, JSON errors naming input fields`, { timeout: 120_000 }, async () => {
    const rng = prng(SEED ^ 0x5eed);
    actAs(owner);
    const validCreate = {
      type: "webhook",
      name: "Fuzz hook",
      config: { url: "http://127.0.0.1:9/hook", method: "POST", headers: { "X-Env": "fuzz" } },
      enabled: true,
      privacyMode: false,
      samplingRate: 1,
      apiKeyInclude: [],
      apiKeyExclude: [],
      filterRules: null,
    };
    const created = await send(destinationsRoute.POST as RouteHandler, { description: "valid", body: JSON.stringify(validCreate), headers: JSON_TYPE, input: validCreate }, { workspaceId });
    expect(created.status).toBe(201);
    const destinationId = (created.json as { destination: { id: string } }).destination.id;
    const { type: _type, ...validUpdate } = validCreate;

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let createdCount = 1;
    const started = performance.now();
    for (let i = 0; i < DESTINATION_CASES; i++) {
      const update = rng.chance(0.5);
      const base = update ? validUpdate : validCreate;
      const path = rng.pick(pathsOf(base));
      const roll = rng.int(10);
      const c: Case =
        roll < 7
          ? (() => {
              const input = setAt(base, path, rng.chance(0.1) ? REMOVE : badValue(rng));
              return { description: `bad value at ${path.join(".")}`, body: JSON.stringify(input), headers: JSON_TYPE, input };
            })()
          : roll < 9
            ? { description: "raw token", body: withRawToken(base, path, rng.pick(RAW_NUMBER_TOKENS)), headers: JSON_TYPE, input: setAt(base, path, 0) }
            : { description: "broken JSON", body: brokenJson(rng, JSON.stringify(base)), headers: JSON_TYPE, input: base };
      const out = update
        ? await send(destinationRoute.PATCH as RouteHandler, { ...c, method: "PATCH" }, { workspaceId, destinationId })
        : await send(destinationsRoute.POST as RouteHandler, c, { workspaceId });
      statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
      if (out.status === 201) createdCount++;
      const problem = violation(c, out);
      if (problem && failures.length < 20) failures.push(`case ${i} (${update ? "PATCH" : "POST"} ${c.description}): ${problem}`);
    }
    console.log(`[fuzz] destinations: ${DESTINATION_CASES} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    expect(await prisma.destination.count({ where: { workspaceId } })).toBe(createdCount);
    // The destination survived the storm of updates in a usable state.
    const read = await send(destinationRoute.GET as RouteHandler, { description: "read", body: null, headers: {}, input: null, method: "GET" }, { workspaceId, destinationId });
    expect(read.status).toBe(200);
  });
});

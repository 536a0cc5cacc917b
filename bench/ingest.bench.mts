// Ingest benchmark: POST /api/v1/traces on the real production server (scripts/server.mjs,
// production build), against a bare node:http server that parses the same JSON and answers 202,
// measured in the same run with the same load generator.
//
// Two request shapes: one trace per request, and batches of BATCH traces ({"traces": [...]}) as an
// SDK that buffers would send; both servers get the same bodies. Tracecast also gets OTLP/protobuf
// requests of OTLP_SPANS spans at /v1/traces, as the OpenTelemetry SDK's exporter serializes them
// (workflows of one parent span and four chat generations: each generation is a trace), beside the
// JSON figures in the same run; the bare server has no OTLP counterpart. Phases per server and shape:
// warm-up, then closed-loop throughput (CONCURRENCY requests in flight, bounded by
// THROUGHPUT_SECONDS and MAX_REQUESTS), then an open-loop fixed rate of FIXED_RATE traces/s for
// FIXED_SECONDS whose latency is measured from each request's *scheduled* send time, so a stalled
// server cannot hide its queueing delay (no coordinated omission).
//
// The workspace has one enabled destination, so every trace is routed and stored with its route; delivery
// itself is off (TRACECAST_DISPATCHER=none) because it runs after the response and is measured by
// the delivery benchmarks. The rate limiter stays in the path with a limit the load cannot reach.
// Databases: embedded PGlite always; PostgreSQL too when BENCH_DATABASE_URL names a server (an
// admin URL: a database is created for each run and dropped after), with one and with two server
// processes (TRACECAST_WORKERS=2).
//
// Writes the "## Ingest" section of docs/benchmarks.md (full-length runs only).
// Env: BENCH_REBUILD=1 runs `next build` even when .next exists (a stale build measures old code);
// BENCH_TIME_SCALE scales every phase's duration (default 1; shorter runs do not touch the docs).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  cpuTimes,
  createPostgresDatabase,
  databaseLabel,
  ensureBuild,
  fixedRate,
  freePort,
  gcDuring,
  loadAgent,
  machine,
  openSql,
  record,
  round2,
  seedDatabase,
  send,
  startAppServer,
  startProcess,
  stealPercent,
  stopProcess,
  summarize,
  waitUntilAnswering,
  writeBenchmarksSection,
  type BenchDatabase,
  type Sample,
  type Server,
} from "./harness.mjs";

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 1);
const CONCURRENCY = 32;
const WARMUP_SECONDS = 4 * TIME_SCALE;
const THROUGHPUT_SECONDS = 12 * TIME_SCALE;
const MAX_REQUESTS = 200_000;
const FIXED_RATE = 500;
const FIXED_SECONDS = 12 * TIME_SCALE;
/** Traces per request of the batched shape. */
const BATCH = 10;
/** Spans per OTLP request: OTLP_WORKFLOWS workflows of one parent span and four generations. */
const OTLP_WORKFLOWS = 20;
const OTLP_SPANS = OTLP_WORKFLOWS * 5;

/** A request shape: what a request carries and where it goes. */
type Shape = { name: string; path: string; contentType: string; tracesPerRequest: number; perRequest: string; body: (i: number) => string | Uint8Array };
const jsonShape = (batch: number): Shape => ({
  name: batch === 1 ? "JSON, 1 trace" : `JSON, ${batch} traces`,
  path: "/api/v1/traces",
  contentType: "application/json",
  tracesPerRequest: batch,
  perRequest: String(batch),
  body: (i) => requestBody(i, batch),
});
const JSON_SHAPES = [jsonShape(1), jsonShape(BATCH)];

/**
 * A realistic single trace (~1.2 KB): system + user turn, a tool call, usage, cost, metadata; `id`
 * sets the trace's own id (receivers see it as tracecast.generation.id). Also used by
 * backlog.bench.mts and load.bench.mts.
 */
export function traceBody(i: number, id?: string): string {
  const start = Date.now() - 1500;
  return JSON.stringify({
    ...(id === undefined ? {} : { id }),
    model: "openai/gpt-4o-mini",
    provider: "openai",
    request: {
      messages: [
        { role: "system", content: "You are a helpful weather assistant. Answer briefly and cite the source of the forecast." },
        { role: "user", content: `What's the weather in Paris tomorrow morning? (request ${i})` },
      ],
      tools: [{ type: "function", function: { name: "get_weather", description: "Forecast for a city", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      parameters: { temperature: 0.2, max_tokens: 256 },
    },
    response: {
      id: `chatcmpl-${i}`,
      messages: [
        {
          role: "assistant",
          content: "Tomorrow morning in Paris: 14 °C, light clouds, 10 % chance of rain (Météo-France).",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
      ],
    },
    usage: { prompt_tokens: 142, completion_tokens: 38, cached_tokens: 64 },
    cost: { input: 0.0000213, output: 0.0000228 },
    timing: { start: new Date(start).toISOString(), end: new Date(start + 1500).toISOString(), time_to_first_token_ms: 310 },
    finish_reason: "stop",
    stream: true,
    user: `user_${i % 1000}`,
    session_id: `session-${i % 5000}`,
    trace: { trace_name: "Weather question", generation_name: "Forecast", environment: "bench", release: "2026.11.1" },
  });
}

// ───────────── servers ─────────────

/** The baseline: parses the JSON body and answers 202 with an id, nothing else. */
const BARE_SERVER = `
const http = require("node:http");
const crypto = require("node:crypto");
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    try { JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { res.writeHead(400).end(); return; }
    res.writeHead(202, { "content-type": "application/json" });
    res.end(JSON.stringify({ ids: ["gen-" + crypto.randomUUID()] }));
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
`;

// ───────────── load generator ─────────────

/** The request body of the i-th request: one trace, or a batch of `batch` traces. */
function requestBody(i: number, batch: number): string {
  if (batch === 1) return traceBody(i);
  return `{"traces":[${Array.from({ length: batch }, (_, k) => traceBody(i * batch + k)).join(",")}]}`;
}

/**
 * The i-th OTLP/protobuf request of OTLP_SPANS spans: made once by the OpenTelemetry SDK and
 * serialized by its own OTLP transformer (what its protobuf exporter sends), then given fresh trace
 * and span ids per request, written over the template's at the same offsets (ids are fixed-length
 * bytes fields): the receiver stores a batch it has seen before only once, as an exporter's retry.
 */
function otlpBody(i: number): Uint8Array {
  const { bytes, ids } = (otlpTemplate ??= recordOtlpWorkflows());
  const body = Buffer.from(bytes);
  ids.forEach(({ offsets, length }, n) => {
    const fresh = crypto.createHash("sha256").update(`${i}/${n}`).digest().subarray(0, length);
    for (const offset of offsets) fresh.copy(body, offset);
  });
  return body;
}

let otlpRequests = 0;

/** The template request, and where each of its trace and span ids sits in it. */
let otlpTemplate: { bytes: Buffer; ids: { offsets: number[]; length: number }[] } | undefined;

function recordOtlpWorkflows(): NonNullable<typeof otlpTemplate> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "weather-bot" }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer("bench");
  for (let w = 0; w < OTLP_WORKFLOWS; w++) {
    const workflow = tracer.startSpan("Weather question", { attributes: { "session.id": `session-${w}`, "user.id": `user_${w}` } });
    for (let g = 0; g < 4; g++) {
      const chat = tracer.startSpan(
        "chat gpt-4o-mini",
        {
          kind: SpanKind.CLIENT,
          attributes: {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.usage.input_tokens": 142,
            "gen_ai.usage.output_tokens": 38,
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.input.messages": JSON.stringify([
              { role: "system", parts: [{ type: "text", content: "You are a helpful weather assistant. Answer briefly and cite the source of the forecast." }] },
              { role: "user", parts: [{ type: "text", content: `What's the weather in Paris tomorrow morning? (step ${g})` }] },
            ]),
            "gen_ai.output.messages": JSON.stringify([
              { role: "assistant", parts: [{ type: "text", content: "Tomorrow morning in Paris: 14 °C, light clouds, 10 % chance of rain (Météo-France)." }], finish_reason: "stop" },
            ]),
            environment: "bench",
          },
        },
        otelTrace.setSpan(ROOT_CONTEXT, workflow),
      );
      chat.setStatus({ code: SpanStatusCode.OK });
      chat.end();
    }
    workflow.end();
  }
  const spans = memory.getFinishedSpans();
  const serialized = ProtobufTraceSerializer.serializeRequest(spans);
  if (!serialized) throw new Error("the OTLP transformer serialized nothing");
  const bytes = Buffer.from(serialized);
  const distinct = new Set(spans.flatMap((s) => [s.spanContext().traceId, s.spanContext().spanId]));
  const ids = [...distinct].map((hex) => {
    const id = Buffer.from(hex, "hex");
    const offsets: number[] = [];
    for (let at = bytes.indexOf(id); at !== -1; at = bytes.indexOf(id, at + 1)) offsets.push(at);
    return { offsets, length: id.length };
  });
  return { bytes, ids };
}

const OTLP_SHAPE: Shape = {
  name: `OTLP/protobuf, ${OTLP_SPANS} spans`,
  path: "/v1/traces",
  contentType: "application/x-protobuf",
  tracesPerRequest: OTLP_WORKFLOWS * 4,
  perRequest: `OTLP/protobuf: ${OTLP_SPANS} spans, ${OTLP_WORKFLOWS * 4} traces`,
  // Numbered across phases (each phase numbers its requests from 0): every request's ids are new.
  body: () => otlpBody(otlpRequests++),
};

async function closedLoop(url: string, headers: Record<string, string>, shape: Shape, seconds: number, maxRequests: number): Promise<Sample> {
  const sample: Sample = { latenciesMs: [], statuses: {}, elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let issued = 0;
  async function worker() {
    while (performance.now() < deadline && issued < maxRequests) {
      const body = shape.body(issued++);
      const t0 = performance.now();
      try {
        const r = await send(url, headers, body);
        record(sample, String(r.status), performance.now() - t0);
      } catch (err) {
        record(sample, `error: ${(err as Error).message}`, performance.now() - t0);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  sample.elapsedMs = performance.now() - started;
  return sample;
}

/** A phase's summary with its rates in traces (a request carries `batch`). */
function inTraces(sample: Sample, batch: number) {
  const summary = summarize(sample);
  return { ...summary, traces: summary.accepted * batch, tracesPerSec: summary.tracesPerSec * batch };
}

async function measure(label: string, server: Server, apiHeaders: Record<string, string>, shape: Shape) {
  const name = `${label}, ${shape.name} per request`;
  const batch = shape.tracesPerRequest;
  const url = new URL(shape.path, server.url).href;
  const headers = { ...apiHeaders, "content-type": shape.contentType };
  console.log(`[ingest] ${name}: warm-up ${WARMUP_SECONDS} s`);
  const warmup = inTraces(await closedLoop(url, headers, shape, WARMUP_SECONDS, MAX_REQUESTS), batch);
  console.log(`[ingest] ${name}: throughput, ${CONCURRENCY} in flight, ${THROUGHPUT_SECONDS} s`);
  const throughputCpu = cpuTimes();
  const throughput = { ...inTraces(await closedLoop(url, headers, shape, THROUGHPUT_SECONDS, MAX_REQUESTS), batch), stealPercent: stealPercent(throughputCpu, cpuTimes()) };
  console.log(`[ingest] ${name}: ${throughput.tracesPerSec} traces/s, p50 ${throughput.latencyMs.p50} ms, p99 ${throughput.latencyMs.p99} ms`);
  // Let the server drain background work (GC, lastUsedAt writes) before the latency phase.
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`[ingest] ${name}: fixed rate ${FIXED_RATE} traces/s for ${FIXED_SECONDS} s`);
  const fixedCpu = cpuTimes();
  const fixedFrom = performance.now();
  const fixedSample = await fixedRate(url, headers, { ratePerSec: FIXED_RATE / batch, seconds: FIXED_SECONDS, body: shape.body });
  const fixed = { ...inTraces(fixedSample, batch), stealPercent: stealPercent(fixedCpu, cpuTimes()), serverGc: gcDuring(server, fixedFrom, performance.now()) };
  console.log(`[ingest] ${name}: p50 ${fixed.latencyMs.p50} ms, p99 ${fixed.latencyMs.p99} ms at ${fixed.tracesPerSec} traces/s`);
  return { shape: shape.name, perRequest: shape.perRequest, json: shape.contentType === "application/json", batch, warmup: { requests: warmup.requests, traces: warmup.traces }, throughput, fixedRate: { targetTracesPerSec: FIXED_RATE, ...fixed } };
}

type Measured = Awaited<ReturnType<typeof measure>>;
type DatabaseRun = { database: string; shapes: Measured[]; storedCheck: { accepted: number; stored: number; routed: number; allStored: boolean } };

/**
 * A JSON shape against the bare server's same shape; an OTLP shape has no bare counterpart. The old
 * "≥ 0.5× the bare server" goal is retired (the end-to-end ratios of bench/e2e.bench.mts replace
 * it): the ratio is reported, not judged.
 */
function goalsOf(run: Measured, bare: Measured[]) {
  const same = run.json ? bare.find((b) => b.batch === run.batch) : undefined;
  return {
    throughputRatioToBare: same ? round2(run.throughput.tracesPerSec / same.throughput.tracesPerSec) : null,
    p99AtFixedRateMs: run.fixedRate.latencyMs.p99,
    p99GoalMet: run.fixedRate.latencyMs.p99 <= 10,
  };
}

function docsSection(bare: Measured[], runs: DatabaseRun[]) {
  const m = machine();
  const row = (label: string, x: Measured) =>
    `| ${label} | ${x.perRequest} | ${x.throughput.tracesPerSec.toLocaleString("en")} | ${x.throughput.latencyMs.p50} | ${x.throughput.latencyMs.p99} | ${x.fixedRate.latencyMs.p50} | ${x.fixedRate.latencyMs.p99} | ${x.fixedRate.latencyMs.max} |`;
  const gcRow = (label: string, x: Measured) => {
    const { young, full, pausedPercent } = x.fixedRate.serverGc;
    const steal = (v: number | undefined) => (v === undefined ? "n/a" : String(v));
    return `| ${label} | ${x.perRequest} | ${steal(x.throughput.stealPercent)} | ${steal(x.fixedRate.stealPercent)} | ${young.count}, ${young.medianMs} / ${young.maxMs} | ${full.count}, ${full.maxMs} | ${pausedPercent} % |`;
  };
  const verdict = (met: boolean) => (met ? "met" : "**missed**");
  return [
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`bench/ingest.bench.mts\` (\`npm run bench -- ingest\`): POST /api/v1/traces`,
    `with one trace (~${Buffer.byteLength(traceBody(1)).toLocaleString("en")} bytes) or ${BATCH} traces per request, and POST /v1/traces with OTLP/protobuf requests of ${OTLP_SPANS} spans (~${otlpBody(0).byteLength.toLocaleString("en")} bytes,`,
    `${OTLP_WORKFLOWS} workflows of a parent span and four chat generations, made and serialized by the OpenTelemetry JS SDK), from a load generator in the bench process, over keep-alive HTTP/1.1 on loopback.`,
    "Tracecast = `npm start` (scripts/server.mjs, production build: /api/v1/traces served by node:http in front of Next.js, lib/api/direct-routes.ts; on PostgreSQL also with two server processes),",
    "one workspace with one destination, so each trace is verified, validated, normalized, routed and committed with its route (the delivery log);",
    "delivery is off (`TRACECAST_DISPATCHER=none`: it runs after the response). Bare = a `node:http` server that parses the same JSON and answers 202.",
    `Throughput: ${CONCURRENCY} requests in flight for ${THROUGHPUT_SECONDS} s after a ${WARMUP_SECONDS} s warm-up. Fixed rate: ${FIXED_RATE} traces/s, open loop,`,
    "for " + FIXED_SECONDS + " s; latency counted from each request's scheduled send time.",
    "",
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}; load average ${m.loadAverage1m} at the end of the run`,
    "(the machine is shared, and the load generator, the server and PostgreSQL share its cores: treat the figures as lower bounds).",
    "",
    `| Server | traces per request | throughput (traces/s) | p50 ms | p99 ms | p50 ms at ${FIXED_RATE} traces/s | p99 ms at ${FIXED_RATE} traces/s | max ms at ${FIXED_RATE} traces/s |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...bare.map((b) => row("bare node:http", b)),
    ...runs.flatMap((r) => r.shapes.map((x) => row(`Tracecast, ${r.database}`, x))),
    "",
    "What else happened in each phase: CPU time the hypervisor gave to other guests (steal, share of this machine's CPU time; it",
    `stalls whichever process it hits, so it shows how noisy the phase was) and the server's own GC pauses at ${FIXED_RATE} traces/s (\`--trace-gc\`;`,
    "young = scavenges, full = mark-compacts, with the share of the phase the server spent paused).",
    "",
    `| Server | traces per request | steal % (throughput) | steal % (${FIXED_RATE} traces/s) | young GCs at ${FIXED_RATE} traces/s: count, median / max ms | full GCs: count, max ms | time paused |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    ...bare.map((b) => gcRow("bare node:http", b)),
    ...runs.flatMap((r) => r.shapes.map((x) => gcRow(`Tracecast, ${r.database}`, x))),
    "",
    ...runs.flatMap((r) =>
      r.shapes.map((x) => {
        const g = goalsOf(x, bare);
        const ratio = g.throughputRatioToBare === null ? "" : `throughput ${g.throughputRatioToBare}× the bare server's, `;
        return `- ${r.database}, ${x.shape} per request: ${ratio}p99 at ${FIXED_RATE} traces/s **${g.p99AtFixedRateMs} ms** (goal ≤ 10 ms: ${verdict(g.p99GoalMet)}).`;
      }),
    ),
    ...runs.map(
      (r) =>
        `- Stored check, ${r.database}: ${r.storedCheck.accepted} traces accepted; ${r.storedCheck.stored} stored, ${r.storedCheck.routed} of them routed to the destination (${r.storedCheck.allStored ? "every accepted trace stored and queued in the delivery log" : "**traces missing**"}; requests the client timed out on may be stored too).`,
    ),
  ];
}

/** Tracecast on one database (with `workers` server processes): both request shapes on one server, then the stored check. */
async function measureTracecast(db: BenchDatabase, servers: Server[], workers = 1): Promise<DatabaseRun> {
  const label = workers > 1 ? `${databaseLabel(db)}, ${workers} server processes (TRACECAST_WORKERS=${workers})` : databaseLabel(db);
  const secret = await seedDatabase(db, async (sql, workspaceId) => {
    await sql.query(`insert into "Destination" (id, "workspaceId", type, name, config, "updatedAt") values ($1, $2, 'webhook', 'Bench webhook', $3, now())`, [
      `bench-dest-${crypto.randomUUID()}`,
      workspaceId,
      JSON.stringify({ url: "http://127.0.0.1:9/" }),
    ]);
  });
  const headers = { "content-type": "application/json", authorization: `Bearer ${secret}` };
  const port = await freePort();
  const app: Server = {
    // The rate limiter stays in the path, with a limit this load cannot reach.
    ...startAppServer(port, db, { TRACECAST_INGEST_RATE_PER_SEC: "1000000", TRACECAST_INGEST_BURST: "1000000", TRACECAST_WORKERS: String(workers) }),
    url: `http://127.0.0.1:${port}/api/v1/traces`,
  };
  servers.push(app);
  await waitUntilAnswering(app, headers, traceBody(0));
  const shapes: Measured[] = [];
  for (const shape of [...JSON_SHAPES, OTLP_SHAPE]) shapes.push(await measure(`Tracecast (${label})`, app, headers, shape));
  await stopProcess(app);
  // Every accepted request's traces must be stored and routed (the readiness probe counts too). A request
  // the client gave up on may still have been stored, so more rows than 202s is not a failure.
  const accepted = 1 + shapes.reduce((n, x) => n + x.warmup.traces + x.throughput.traces + x.fixedRate.traces, 0);
  // Every accepted trace is stored, and routed to the destination (its delivery waits in the log: lib/delivery/log.ts).
  const sql = await openSql(db);
  const [{ stored, routed }] = (await sql.query(`select count(*)::int as stored, (count(*) filter (where routes <> '{}'::jsonb))::int as routed from "TracePayload"`)).rows as { stored: number; routed: number }[];
  await sql.close();
  return { database: label, shapes, storedCheck: { accepted, stored, routed, allStored: stored >= accepted && routed === stored } };
}

export default async function ingestBenchmark() {
  ensureBuild();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-ingest-"));
  const servers: Server[] = [];
  const postgresDatabases: { db: BenchDatabase; drop(): Promise<void> }[] = [];
  try {
    // The same request bytes as Tracecast gets (its keys are this long), though the bare server ignores them.
    const headers = { "content-type": "application/json", authorization: `Bearer tc_${"x".repeat(43)}` };
    const barePort = await freePort();
    const bareServer: Server = { ...startProcess(["--trace-gc", "-e", BARE_SERVER], { ...process.env, PORT: String(barePort) }), url: `http://127.0.0.1:${barePort}/api/v1/traces` };
    servers.push(bareServer);
    await waitUntilAnswering(bareServer, headers, traceBody(0));
    const bare: Measured[] = [];
    for (const shape of JSON_SHAPES) bare.push(await measure("bare node:http", bareServer, headers, shape));
    await stopProcess(bareServer);

    const runs = [await measureTracecast(path.join(work, "pglite"), servers)];
    // On PostgreSQL also with two server processes (the embedded database admits one): a fresh
    // database for each run, so each stored check counts its own rows.
    for (const workers of process.env.BENCH_DATABASE_URL ? [1, 2] : []) {
      const postgres = await createPostgresDatabase(process.env.BENCH_DATABASE_URL!);
      postgresDatabases.push(postgres);
      runs.push(await measureTracecast(postgres.db, servers, workers));
    }

    const result = {
      settings: { timeScale: TIME_SCALE, concurrency: CONCURRENCY, warmupSeconds: WARMUP_SECONDS, throughputSeconds: THROUGHPUT_SECONDS, fixedRate: FIXED_RATE, fixedSeconds: FIXED_SECONDS, batch: BATCH, bodyBytes: Buffer.byteLength(traceBody(1)) },
      bare,
      tracecast: runs.map((r) => ({ ...r, goals: r.shapes.map((x) => ({ shape: x.shape, ...goalsOf(x, bare) })) })),
    };
    for (const r of result.tracecast)
      for (const g of r.goals) console.log(`[ingest] ${r.database}, ${g.shape} per request: ratio to bare ${g.throughputRatioToBare ?? "n/a"}, p99 at ${FIXED_RATE} traces/s ${g.p99AtFixedRateMs} ms (goal ≤ 10)`);
    if (TIME_SCALE === 1) writeBenchmarksSection("## Ingest", docsSection(bare, runs));
    return result;
  } finally {
    for (const s of servers) await stopProcess(s);
    for (const postgres of postgresDatabases) await postgres.drop();
    loadAgent.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await ingestBenchmark(), null, 2));
}

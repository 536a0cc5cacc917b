// Ingest benchmark: POST /api/v1/traces on the real production server (scripts/server.mjs, production build) with the
// embedded PGlite database, against a bare node:http server that parses the same JSON and answers
// 202, measured in the same run with the same load generator.
//
// Phases per server: warm-up, then closed-loop throughput (CONCURRENCY requests in flight, bounded
// by THROUGHPUT_SECONDS and MAX_REQUESTS), then an open-loop fixed rate of FIXED_RATE traces/s
// for FIXED_SECONDS whose latency is measured from each request's *scheduled* send time, so a
// stalled server cannot hide its queueing delay (no coordinated omission).
//
// One single-trace request = one trace. The workspace has one enabled destination, so every
// request also writes its outbox row; delivery itself is off (TRACECAST_DISPATCHER=none) because
// it runs after the response and is measured by the delivery benchmarks. The rate limiter stays
// in the path with a limit the load cannot reach.
//
// Writes the "## Ingest" section of docs/benchmarks.md (full-length runs only).
// Env: BENCH_REBUILD=1 runs `next build` even when .next exists (a stale build measures old code);
// BENCH_TIME_SCALE scales every phase's duration (default 1; shorter runs do not touch the docs).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  countRows,
  ensureBuild,
  fixedRate,
  freePort,
  loadAgent,
  machine,
  pgliteVersion,
  record,
  round2,
  seedDatabase,
  send,
  startAppServer,
  startProcess,
  stopProcess,
  summarize,
  waitUntilAnswering,
  writeBenchmarksSection,
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

async function closedLoop(url: string, headers: Record<string, string>, seconds: number, maxRequests: number): Promise<Sample> {
  const sample: Sample = { latenciesMs: [], statuses: {}, elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let issued = 0;
  async function worker() {
    while (performance.now() < deadline && issued < maxRequests) {
      const body = traceBody(issued++);
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

async function measure(label: string, url: string, headers: Record<string, string>) {
  console.log(`[ingest] ${label}: warm-up ${WARMUP_SECONDS} s`);
  const warmup = summarize(await closedLoop(url, headers, WARMUP_SECONDS, MAX_REQUESTS));
  console.log(`[ingest] ${label}: throughput, ${CONCURRENCY} in flight, ${THROUGHPUT_SECONDS} s`);
  const throughput = summarize(await closedLoop(url, headers, THROUGHPUT_SECONDS, MAX_REQUESTS));
  console.log(`[ingest] ${label}: ${throughput.tracesPerSec} traces/s, p50 ${throughput.latencyMs.p50} ms, p99 ${throughput.latencyMs.p99} ms`);
  // Let the server drain background work (GC, lastUsedAt writes) before the latency phase.
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`[ingest] ${label}: fixed rate ${FIXED_RATE}/s for ${FIXED_SECONDS} s`);
  const fixed = summarize(await fixedRate(url, headers, { ratePerSec: FIXED_RATE, seconds: FIXED_SECONDS, body: traceBody }));
  console.log(`[ingest] ${label}: p50 ${fixed.latencyMs.p50} ms, p99 ${fixed.latencyMs.p99} ms at ${fixed.tracesPerSec}/s`);
  return { warmup: { requests: warmup.requests, accepted: warmup.accepted }, throughput, fixedRate: { targetPerSec: FIXED_RATE, ...fixed } };
}


// ───────────── the run ─────────────

type Measured = Awaited<ReturnType<typeof measure>>;

function docsSection(r: { bare: Measured; tracecast: Measured; goals: { throughputRatio: number; throughputGoalMet: boolean; p99AtFixedRateMs: number; p99GoalMet: boolean }; storedCheck: { accepted: number; TracePayload: number; Delivery: number } }) {
  const m = machine();
  const row = (label: string, x: Measured) =>
    `| ${label} | ${x.throughput.tracesPerSec.toLocaleString("en")} | ${x.throughput.latencyMs.p50} | ${x.throughput.latencyMs.p99} | ${x.fixedRate.latencyMs.p50} | ${x.fixedRate.latencyMs.p99} | ${x.fixedRate.latencyMs.max} |`;
  const verdict = (met: boolean) => (met ? "met" : "**missed**");
  return [
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`bench/ingest.bench.mts\` (\`npm run bench -- ingest\`): single-trace`,
    `POST /api/v1/traces requests (~${Buffer.byteLength(traceBody(1)).toLocaleString("en")} bytes) from a load generator in the bench process, over keep-alive HTTP/1.1 on loopback.`,
    `Tracecast = \`npm start\` (scripts/server.mjs, production build) on embedded PGlite ${pgliteVersion()} (on disk), one workspace with one destination, so each`,
    "request verifies the API key, validates, normalizes, routes and commits the trace with its outbox row; delivery is off",
    "(`TRACECAST_DISPATCHER=none`: it runs after the response). Bare = a `node:http` server that parses the same JSON and answers 202.",
    `Throughput: ${CONCURRENCY} requests in flight for ${THROUGHPUT_SECONDS} s after a ${WARMUP_SECONDS} s warm-up. Fixed rate: ${FIXED_RATE} traces/s, open loop,`,
    "for " + FIXED_SECONDS + " s; latency counted from each request's scheduled send time.",
    "",
    "Hot path per request: API-key verification (cached for 1 s, lib/ingest/config-cache.ts), in-memory rate limit, body read +",
    "zod validation, normalization; then a group commit (lib/ingest/index.ts): requests that reach the queue within one event-loop",
    "turn share one commit, which routes with the workspaces' cached routers and writes the traces and their outbox rows in one statement.",
    "",
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}; load average ${m.loadAverage1m} at the end of the run`,
    "(the machine is shared, so treat the figures as lower bounds).",
    "",
    `| Server | throughput (traces/s) | p50 ms | p99 ms | p50 ms at ${FIXED_RATE}/s | p99 ms at ${FIXED_RATE}/s | max ms at ${FIXED_RATE}/s |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    row("bare node:http", r.bare),
    row("Tracecast", r.tracecast),
    "",
    `- Throughput ratio Tracecast / bare: **${r.goals.throughputRatio}** (goal ≥ 0.5: ${verdict(r.goals.throughputGoalMet)}).`,
    `- p99 at ${FIXED_RATE} traces/s: **${r.goals.p99AtFixedRateMs} ms** (goal ≤ 10 ms: ${verdict(r.goals.p99GoalMet)}).`,
    `- Stored check: ${r.storedCheck.accepted} traces answered 202; ${r.storedCheck.TracePayload} TracePayload rows and ${r.storedCheck.Delivery} Delivery rows (requests the client timed out on may be stored too).`,
  ];
}

export default async function ingestBenchmark() {
  ensureBuild();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-ingest-"));
  const pgliteDir = path.join(work, "pglite");
  const servers: Server[] = [];
  try {
    const secret = await seedDatabase(pgliteDir, async (db, workspaceId) => {
      await db.query(`insert into "Destination" (id, "workspaceId", type, name, config, "updatedAt") values ($1, $2, 'webhook', 'Bench webhook', $3, now())`, [
        `bench-dest-${crypto.randomUUID()}`,
        workspaceId,
        JSON.stringify({ url: "http://127.0.0.1:9/" }),
      ]);
    });
    const headers = { "content-type": "application/json", authorization: `Bearer ${secret}` };

    const barePort = await freePort();
    const bare: Server = { ...startProcess(["-e", BARE_SERVER], { ...process.env, PORT: String(barePort) }), url: `http://127.0.0.1:${barePort}/api/v1/traces` };
    servers.push(bare);
    await waitUntilAnswering(bare, headers, traceBody(0));
    const bareResult = await measure("bare node:http", bare.url, headers);
    await stopProcess(bare);

    const appPort = await freePort();
    const app: Server = {
      // The rate limiter stays in the path, with a limit this load cannot reach.
      ...startAppServer(appPort, pgliteDir, { TRACECAST_INGEST_RATE_PER_SEC: "1000000", TRACECAST_INGEST_BURST: "1000000" }),
      url: `http://127.0.0.1:${appPort}/api/v1/traces`,
    };
    servers.push(app);
    await waitUntilAnswering(app, headers, traceBody(0));
    const appResult = await measure("Tracecast", app.url, headers);
    await stopProcess(app);

    // Every 202 must be a stored trace with its outbox row (the readiness probe counts too). A request
    // the client gave up on may still have been stored, so more rows than 202s is not a failure.
    const accepted = 1 + appResult.warmup.accepted + appResult.throughput.accepted + appResult.fixedRate.accepted;
    const stored = await countRows(pgliteDir, ["TracePayload", "Delivery"]);
    const ratio = appResult.throughput.tracesPerSec / bareResult.throughput.tracesPerSec;
    const result = {
      database: `embedded PGlite ${pgliteVersion()} (on disk, in a tmp dir)`,
      settings: { timeScale: TIME_SCALE, concurrency: CONCURRENCY, warmupSeconds: WARMUP_SECONDS, throughputSeconds: THROUGHPUT_SECONDS, fixedRate: FIXED_RATE, fixedSeconds: FIXED_SECONDS, bodyBytes: Buffer.byteLength(traceBody(1)) },
      bare: bareResult,
      tracecast: appResult,
      storedCheck: { accepted, ...stored, allStored: stored.TracePayload >= accepted && stored.Delivery === stored.TracePayload },
      goals: {
        throughputRatio: round2(ratio),
        throughputGoalMet: ratio >= 0.5,
        p99AtFixedRateMs: appResult.fixedRate.latencyMs.p99,
        p99GoalMet: appResult.fixedRate.latencyMs.p99 <= 10,
      },
    };
    console.log(`[ingest] ratio ${result.goals.throughputRatio} (goal ≥ 0.5), p99 at ${FIXED_RATE}/s ${result.goals.p99AtFixedRateMs} ms (goal ≤ 10)`);
    if (TIME_SCALE === 1) writeBenchmarksSection("## Ingest", docsSection(result));
    return result;
  } finally {
    for (const s of servers) await stopProcess(s);
    loadAgent.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await ingestBenchmark(), null, 2));
}

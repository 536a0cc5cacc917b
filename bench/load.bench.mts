// Load benchmark: sustained ingest with deliveries running, on the real production server (scripts/server.mjs)
// (production build) with the embedded PGlite database and the inline dispatcher
// (TRACECAST_DISPATCHER=inline, TRACECAST_ALLOW_PRIVATE_TARGETS=true for the loopback receiver).
//
// Two phases, each on its own fresh database and server, with one destination whose receiver is an
// OTLP/JSON node:http server in this process (answers 200 at once):
// - delivery lag: a webhook destination; single-trace POST /api/v1/traces at LAG_RATE traces/s,
//   open loop, for LAG_SECONDS. Delivery lag of a trace = when the receiver had the request that
//   carried it − when its ingest request left the load generator. Also: ingest latency (from each
//   request's scheduled send time, as in ingest.bench.mts) and whether every trace arrived exactly once.
// - batching: an OpenTelemetry Collector destination (OTLP/JSON, its default encoding) at
//   BATCHING_RATE traces/s for BATCHING_SECONDS, sent as {"traces":[…]} batches of INGEST_BATCH
//   (single-trace requests top out well below 1,000/s with PGlite: docs/benchmarks.md
//   "Ingest"). Reports traces and spans per OTLP request, and the lag.
// Each phase starts with WARMUP_SECONDS of the same load (not measured) and waits until its traces
// have arrived. The server's RSS is read at start, after warm-up, at the end and once a second
// (peak); its CPU time during the measured window is read from /proc (Linux).
//
// Writes the "## Load" section of docs/benchmarks.md (runs with BENCH_TIME_SCALE ≥ 1 only).
// Env: BENCH_TIME_SCALE scales every phase's duration (default 1: 3 min + 30 s);
// BENCH_LOAD_RATE (default 200), BENCH_LOAD_BATCHING_RATE (default 1000) and
// BENCH_LOAD_INGEST_BATCH (default 10) set the rates and the batching phase's traces per request.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import {
  ensureBuild,
  fixedRate,
  freePort,
  loadAgent,
  machine,
  percentiles,
  pgliteVersion,
  root,
  rssMiB,
  cpuSeconds,
  round2,
  seedDatabase,
  startAppServer,
  startOtlpJsonReceiver,
  stopProcess,
  summarize,
  waitUntilAnswering,
  writeBenchmarksSection,
  type Server,
} from "./harness.mjs";
import { traceBody } from "./ingest.bench.mjs";

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 1);
const LAG_RATE = Number(process.env.BENCH_LOAD_RATE ?? 200);
const LAG_SECONDS = 180 * TIME_SCALE;
const BATCHING_RATE = Number(process.env.BENCH_LOAD_BATCHING_RATE ?? 1000);
const INGEST_BATCH = Number(process.env.BENCH_LOAD_INGEST_BATCH ?? 10);
const BATCHING_SECONDS = 30 * TIME_SCALE;
const WARMUP_SECONDS = 10 * TIME_SCALE;
/** After the last ingest request, how long the receiver may take to get every trace before the rest count as missing. */
const DELIVERY_DEADLINE_MS = 120_000;
/** After every trace arrived, how long to keep listening for duplicates. */
const DUPLICATE_WATCH_MS = 3_000;
/** Lag is also reported per window of this many seconds (by send time), to show whether it grows. */
const LAG_WINDOW_SECONDS = 30;

type Phase = {
  /** Names the phase in the log; trace ids are `${name}-${n}` (warm-up: `${name}-warmup-${n}`). */
  name: string;
  destination: { type: string; name: string; config: (receiverUrl: string) => Record<string, unknown> };
  tracesPerSec: number;
  tracesPerRequest: number;
  seconds: number;
};

// ───────────── helpers ─────────────

/** When the production build being measured was made (its BUILD_ID file). */
const buildTime = () => fs.statSync(path.join(root, ".next", "BUILD_ID")).mtime.toISOString().slice(0, 16).replace("T", " ");

/** One ingest request body: a single trace, or {"traces":[…]} when a request carries several. */
function requestBody(ids: string[], first: number): string {
  const traces = ids.map((id, j) => traceBody(first + j, id));
  return traces.length === 1 ? traces[0] : `{"traces":[${traces.join(",")}]}`;
}

const idsOfRequest = (prefix: string, request: number, perRequest: number) =>
  Array.from({ length: perRequest }, (_, j) => `${prefix}-${request * perRequest + j}`);

/** Resolves when every id has arrived, or at the deadline; returns how many are still missing. */
async function waitForArrivals(received: Map<string, number>, ids: string[], deadlineMs: number): Promise<number> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const missing = ids.reduce((n, id) => n + (received.has(id) ? 0 : 1), 0);
    if (missing === 0 || performance.now() > deadline) return missing;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stats(values: number[]) {
  if (values.length === 0) return { mean: 0, p50: 0, min: 0, max: 0 };
  const { p50, max } = percentiles(values);
  return { mean: round2(values.reduce((a, b) => a + b, 0) / values.length), p50, min: Math.min(...values), max };
}

/**
 * Exception rows by status (traces retried or failed one by one, replays: first deliveries go through
 * the delivery log and leave none), and how many needed more than one attempt (open only once the server has stopped).
 */
async function deliveryStatuses(dir: string) {
  const db = new PGlite(dir);
  const rows = (await db.query<{ status: string; n: number; retried: number }>(
    `select status, count(*)::int as n, count(*) filter (where attempts > 1)::int as retried from "Delivery" group by status order by status`,
  )).rows;
  await db.close();
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])), retried: rows.reduce((n, r) => n + r.retried, 0) };
}

// ───────────── one phase ─────────────

async function runPhase(phase: Phase) {
  const log = (message: string) => console.log(`[load] ${phase.name}: ${message}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-load-"));
  const pgliteDir = path.join(work, "pglite");
  const receiver = await startOtlpJsonReceiver();
  let server: Server | undefined;
  try {
    const secret = await seedDatabase(pgliteDir, async (db, workspaceId) => {
      await db.query(`insert into "Destination" (id, "workspaceId", type, name, config, "updatedAt") values ($1, $2, $3, $4, $5, now())`, [
        `bench-dest-${crypto.randomUUID()}`,
        workspaceId,
        phase.destination.type,
        phase.destination.name,
        JSON.stringify(phase.destination.config(receiver.url)),
      ]);
    });
    const headers = { "content-type": "application/json", authorization: `Bearer ${secret}` };
    const port = await freePort();
    server = {
      ...startAppServer(port, pgliteDir, {
        TRACECAST_DISPATCHER: "inline",
        TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
        // The rate limiter stays in the path, with a limit this load cannot reach.
        TRACECAST_INGEST_RATE_PER_SEC: "1000000",
        TRACECAST_INGEST_BURST: "1000000",
      }),
      url: `http://127.0.0.1:${port}/api/v1/traces`,
    };
    const pid = server.child.pid!;
    await waitUntilAnswering(server, headers, traceBody(0, `${phase.name}-probe`));
    const rssAtStart = rssMiB(pid);

    const requestsPerSec = phase.tracesPerSec / phase.tracesPerRequest;
    const drive = (prefix: string, seconds: number, onSend?: (request: number, at: number) => void, onAnswer?: (request: number, status: string) => void) =>
      fixedRate(server!.url, headers, {
        ratePerSec: requestsPerSec,
        seconds,
        body: (request) => requestBody(idsOfRequest(prefix, request, phase.tracesPerRequest), request * phase.tracesPerRequest),
        onSend,
        onAnswer,
      });
    const idsOf = (prefix: string, seconds: number) =>
      Array.from({ length: Math.round(requestsPerSec * seconds) }, (_, r) => idsOfRequest(prefix, r, phase.tracesPerRequest)).flat();

    const requestOf = (n: number) => Math.floor(n / phase.tracesPerRequest);

    log(`warm-up ${WARMUP_SECONDS} s at ${phase.tracesPerSec} traces/s`);
    const warmupAnswers: string[] = [];
    await drive(`${phase.name}-warmup`, WARMUP_SECONDS, undefined, (request, status) => (warmupAnswers[request] = status));
    const warmupIds = idsOf(`${phase.name}-warmup`, WARMUP_SECONDS).filter((_, n) => warmupAnswers[requestOf(n)] === "202");
    const warmupMissing = await waitForArrivals(receiver.received, warmupIds, DELIVERY_DEADLINE_MS);
    if (warmupMissing) log(`${warmupMissing} accepted warm-up traces had not arrived; measuring anyway`);
    const rssAfterWarmup = rssMiB(pid);

    log(`${phase.tracesPerSec} traces/s (${round2(requestsPerSec)} requests/s × ${phase.tracesPerRequest}) for ${phase.seconds} s`);
    receiver.batches.length = 0;
    const sentAt: number[] = [];
    const answers: string[] = [];
    let peakRss = rssAfterWarmup;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 1000);
    const cpuBefore = cpuSeconds(pid);
    const ownCpuBefore = process.cpuUsage();
    const windowStart = performance.now();
    const sample = await drive(
      phase.name,
      phase.seconds,
      (request, at) => (sentAt[request] = at),
      (request, status) => (answers[request] = status),
    );
    // CPU while the load ran (until the last answer), as a share of one core.
    const loadSeconds = (performance.now() - windowStart) / 1000;
    const serverCpuPercent = round2(((cpuSeconds(pid) - cpuBefore) / loadSeconds) * 100);
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const benchCpuPercent = round2(((ownCpu.user + ownCpu.system) / 1e6 / loadSeconds) * 100);
    const lastSentAt = sentAt[sentAt.length - 1];
    // Only accepted traces must arrive; a request the client gave up on may or may not have been stored.
    const allIds = idsOf(phase.name, phase.seconds);
    const ids = allIds.filter((_, n) => answers[requestOf(n)] === "202");
    const missing = await waitForArrivals(receiver.received, ids, DELIVERY_DEADLINE_MS);
    const arrivedAllAt = performance.now();
    log(`${missing ? `${missing} accepted traces still missing` : "every accepted trace arrived"} ${round2((arrivedAllAt - lastSentAt) / 1000)} s after the last send`);
    await new Promise((r) => setTimeout(r, DUPLICATE_WATCH_MS));
    clearInterval(rssTimer);
    const rssAtEnd = rssMiB(pid);
    await stopProcess(server);
    const deliveries = await deliveryStatuses(pgliteDir);

    // ── per trace: lag, duplicates ──
    const lags: number[] = [];
    const windows: number[][] = [];
    let duplicates = 0;
    let unansweredDelivered = 0;
    allIds.forEach((id, n) => {
      const request = requestOf(n);
      const count = receiver.received.get(id) ?? 0;
      duplicates += Math.max(0, count - 1);
      if (answers[request] !== "202") {
        if (count) unansweredDelivered++;
        return;
      }
      const arrived = receiver.firstArrivalAt.get(id);
      if (arrived === undefined) return;
      const lag = arrived - sentAt[request];
      lags.push(lag);
      (windows[Math.floor((sentAt[request] - windowStart) / (LAG_WINDOW_SECONDS * 1000))] ??= []).push(lag);
    });
    const ingest = summarize(sample);
    const batches = receiver.batches;
    const result = {
      destination: phase.destination.type,
      settings: { tracesPerSec: phase.tracesPerSec, tracesPerRequest: phase.tracesPerRequest, requestsPerSec: round2(requestsPerSec), seconds: phase.seconds, warmupSeconds: WARMUP_SECONDS },
      ingest: { requests: ingest.requests, accepted: ingest.accepted, statuses: ingest.statuses, tracesPerSec: ingest.tracesPerSec * phase.tracesPerRequest, latencyMs: ingest.latencyMs },
      lagMs: lags.length ? percentiles(lags) : null,
      lagByWindow: windows.map((w, i) => ({ fromSecond: i * LAG_WINDOW_SECONDS, traces: w.length, ...percentiles(w) })),
      delivery: {
        /** Traces in requests answered 202: each must arrive exactly once. */
        traces: ids.length,
        arrived: ids.length - missing,
        /** Traces in requests not answered 202 (client timeout or error) that were delivered all the same. */
        unanswered: allIds.length - ids.length,
        unansweredDelivered,
        missing,
        duplicates,
        exactlyOnce: missing === 0 && duplicates === 0,
        allArrivedSecondsAfterLastSend: missing ? null : round2((arrivedAllAt - lastSentAt) / 1000),
        rows: deliveries,
      },
      otlpRequests: {
        count: batches.length,
        tracesPerRequest: stats(batches.map((b) => b.traces)),
        spansPerRequest: stats(batches.map((b) => b.spans)),
      },
      server: { rssMiB: { start: rssAtStart, afterWarmup: rssAfterWarmup, end: rssAtEnd, peak: Math.max(peakRss, rssAtEnd) }, cpuPercentOfOneCore: serverCpuPercent },
      benchProcessCpuPercentOfOneCore: benchCpuPercent,
    };
    log(`ingest p50 ${result.ingest.latencyMs.p50} ms, p99 ${result.ingest.latencyMs.p99} ms; lag p50 ${result.lagMs?.p50} ms, p95 ${result.lagMs?.p95} ms, max ${result.lagMs?.max} ms; ${result.otlpRequests.tracesPerRequest.mean} traces per OTLP request; missing ${missing}, duplicates ${duplicates}`);
    return result;
  } finally {
    if (server) await stopProcess(server);
    await receiver.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ───────────── the run ─────────────

type PhaseResult = Awaited<ReturnType<typeof runPhase>>;
type Goals = ReturnType<typeof goalsOf>;

function goalsOf(lag: PhaseResult, batching: PhaseResult) {
  return {
    lagP95Ms: lag.lagMs?.p95 ?? null,
    lagGoalMet: lag.lagMs !== null && lag.lagMs.p95 <= 2000 && lag.delivery.missing === 0,
    ingestP99Ms: lag.ingest.latencyMs.p99,
    ingestGoalMet: lag.ingest.latencyMs.p99 <= 10,
    exactlyOnce: lag.delivery.exactlyOnce && batching.delivery.exactlyOnce,
    tracesPerOtlpRequestP50: batching.otlpRequests.tracesPerRequest.p50,
    batchingGoalMet: batching.otlpRequests.tracesPerRequest.p50 >= 100,
  };
}

function docsSection(r: { lag: PhaseResult; batching: PhaseResult; goals: Goals; loadAverageAtStart: number }) {
  const m = machine();
  const verdict = (met: boolean) => (met ? "met" : "**missed**");
  const n = (x: number) => x.toLocaleString("en-US");
  const row = (label: string, p: PhaseResult) => {
    const lag = p.lagMs;
    const tpr = p.otlpRequests.tracesPerRequest;
    return [
      `| ${label} | ${n(p.settings.tracesPerSec)} (${p.settings.tracesPerRequest === 1 ? "1 per request" : `${p.settings.tracesPerRequest} per request`}) | ${p.settings.seconds}`,
      `${p.ingest.latencyMs.p50} / ${p.ingest.latencyMs.p99}`,
      lag ? `${lag.p50} / ${lag.p95} / ${lag.p99} / ${lag.max}` : "–",
      `${n(p.delivery.arrived)} of ${n(p.delivery.traces)} accepted, ${p.delivery.missing} missing, ${p.delivery.duplicates} duplicates` +
        (p.delivery.unanswered ? `; ${n(p.delivery.unanswered)} more in requests not answered 202, ${n(p.delivery.unansweredDelivered)} of them delivered` : ""),
      `${n(p.otlpRequests.count)}; ${tpr.mean} / ${tpr.p50} / ${tpr.min} (${p.otlpRequests.spansPerRequest.mean} spans mean)`,
      `${p.server.rssMiB.start} → ${p.server.rssMiB.end} (peak ${p.server.rssMiB.peak})`,
      `${p.server.cpuPercentOfOneCore} % |`,
    ].join(" | ");
  };
  const statuses = (p: PhaseResult) =>
    Object.entries(p.ingest.statuses)
      .map(([status, count]) => `${n(count)} × ${status}`)
      .join(", ");
  const windows = (p: PhaseResult) => p.lagByWindow.map((w) => `${w.fromSecond}–${w.fromSecond + LAG_WINDOW_SECONDS} s: ${w.p50} / ${w.p95}`).join("; ");
  return [
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`bench/load.bench.mts\` (\`npm run bench -- load\`; raw figures in \`bench/results/load.json\`):`,
    `\`npm start\` (scripts/server.mjs, production build) on embedded PGlite ${pgliteVersion()} (on disk), **inline dispatcher on** (\`TRACECAST_DISPATCHER=inline\`), one workspace with one`,
    "destination whose receiver is a `node:http` server in the bench process on loopback (answers 200 at once; `TRACECAST_ALLOW_PRIVATE_TARGETS=true`).",
    "Open-loop ingest (POST /api/v1/traces over keep-alive HTTP/1.1, the ingest benchmark's ~1.2 KB trace with its own `id`); each phase on a fresh",
    `database and server, after a ${WARMUP_SECONDS} s warm-up at the same rate whose traces are delivered before measuring starts.`,
    "- **Delivery lag** = when the receiver had the whole request carrying the trace − when the trace's ingest request left the load generator",
    "  (both clocks in the bench process). Ingest latency is counted from each request's scheduled send time.",
    `- **Lag** phase: a Webhook destination (OTLP/JSON, unsigned), ${n(r.lag.settings.tracesPerSec)} single-trace requests/s for ${r.lag.settings.seconds} s.`,
    `- **Batching** phase: an OpenTelemetry Collector destination (OTLP/JSON, its default encoding), ${n(r.batching.settings.tracesPerSec)} traces/s for ${r.batching.settings.seconds} s`,
    `  as ${r.batching.settings.requestsPerSec} batched requests/s of ${r.batching.settings.tracesPerRequest} traces (single-trace requests top out near 1,200/s on PGlite: see Ingest).`,
    "  Each trace is 2 spans (trace root → generation).",
    "",
    `Build measured: \`.next\` of ${buildTime()} UTC.`,
    "",
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}; load average ${r.loadAverageAtStart} at the start and ${m.loadAverage1m} at the end`,
    "(the server, the load generator and the receiver share the 2 cores, with other work on the machine).",
    "",
    "| phase | traces/s | s | ingest p50 / p99 ms | lag p50 / p95 / p99 / max ms | received | OTLP requests; traces per request mean / p50 / min | server RSS MiB start → end | server CPU (of one core) |",
    "|---|---:|---:|---:|---:|---|---|---|---:|",
    row("lag (webhook)", r.lag),
    row("batching (OTel Collector)", r.batching),
    "",
    `Ingest answers: lag phase ${statuses(r.lag)}; batching phase ${statuses(r.batching)} (the client gives up after 10 s).`,
    "",
    `Lag p50 / p95 ms per ${LAG_WINDOW_SECONDS} s window (by send time): lag phase ${windows(r.lag)}; batching phase ${windows(r.batching)}.`,
    "",
    `- Delivery lag p95 at ${n(r.lag.settings.tracesPerSec)} traces/s: **${r.goals.lagP95Ms} ms** (goal ≤ 2 s: ${verdict(r.goals.lagGoalMet)}).`,
    `- Ingest p99 at ${n(r.lag.settings.tracesPerSec)} traces/s with deliveries running: **${r.goals.ingestP99Ms} ms** (goal ≤ 10 ms: ${verdict(r.goals.ingestGoalMet)}).`,
    `- Every trace delivered exactly once: **${r.goals.exactlyOnce ? "yes" : "no"}** (lag phase ${r.lag.delivery.missing} missing / ${r.lag.delivery.duplicates} duplicates, batching phase ${r.batching.delivery.missing} / ${r.batching.delivery.duplicates}).`,
    `- Traces per OTLP request at ${n(r.batching.settings.tracesPerSec)} traces/s: **p50 ${r.goals.tracesPerOtlpRequestP50}** (mean ${r.batching.otlpRequests.tracesPerRequest.mean}; goal ≥ 100: ${verdict(r.goals.batchingGoalMet)}).`,
    "",
    "Where the lag comes from (lib/ingest, lib/delivery): a trace is committed with its outbox row (group commit), the 202 goes out, and",
    "the after-response hook (lib/api/after-response.ts) kicks the inline dispatcher (lib/delivery/dispatcher.ts). An idle destination is drained at once; a kick that arrives while",
    "the destination's drain runs only flags it, and the flagged work is drained `KICK_COALESCE_MS` (200 ms) after that drain ends, in one",
    "batch. A drain repeats, per batch of at most `maxBatch` (100 for both destinations): re-read the destination, claim due rows",
    "(`UPDATE … FOR UPDATE SKIP LOCKED … RETURNING`), load their payloads, encode OTLP/JSON, POST on a fresh connection (no keep-alive: every",
    "connection passes the SSRF-guarded lookup), record the outcome and the destination's health; it stops after a claim short of",
    "`maxBatch` (lib/delivery/drain.ts). Every drain costs the same handful of queries however few traces it carries, and ingest and",
    "delivery share the server's one JavaScript thread and the embedded database (PGlite runs in that thread): when the server is",
    "saturated, ingest latency and lag grow together. The sweeper (every 5 s) only picks up retries, expired leases and lost kicks; it is",
    "not on the normal path.",
  ];
}

export default async function loadBenchmark() {
  ensureBuild();
  const loadAverageAtStart = machine().loadAverage1m;
  try {
    const lag = await runPhase({
      name: "lag",
      destination: { type: "webhook", name: "Bench webhook", config: (url) => ({ url: `${url}/hook` }) },
      tracesPerSec: LAG_RATE,
      tracesPerRequest: 1,
      seconds: LAG_SECONDS,
    });
    const batching = await runPhase({
      name: "batching",
      destination: { type: "otel-collector", name: "Bench collector", config: (url) => ({ endpoint: `${url}/v1/traces`, encoding: "json" }) },
      tracesPerSec: BATCHING_RATE,
      tracesPerRequest: INGEST_BATCH,
      seconds: BATCHING_SECONDS,
    });
    const result = {
      database: `embedded PGlite ${pgliteVersion()} (on disk, in a tmp dir)`,
      settings: { timeScale: TIME_SCALE, warmupSeconds: WARMUP_SECONDS, bodyBytes: Buffer.byteLength(traceBody(1, "lag-1")), loadAverageAtStart },
      lag,
      batching,
      goals: goalsOf(lag, batching),
    };
    console.log(`[load] goals: ${JSON.stringify(result.goals)}`);
    if (TIME_SCALE >= 1) writeBenchmarksSection("## Load", docsSection({ lag, batching, goals: result.goals, loadAverageAtStart }));
    return result;
  } finally {
    loadAgent.destroy();
  }
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await loadBenchmark(), null, 2));
}

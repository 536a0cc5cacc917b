// Delivery capacity, end to end: the production server (scripts/server.mjs, production build) on a
// fresh database with the inline dispatcher, driven over HTTP like a user and an SDK would: sign up,
// sign in, create an API key and destinations through the API, ingest over POST /api/v1/traces.
//
// For each database (embedded PGlite; PostgreSQL too when BENCH_DATABASE_URL names a server) and each
// destination set (one webhook; two webhooks + two OpenTelemetry Collector destinations sending
// OTLP/protobuf), on its own fresh database and server, in one run:
// 1. ingest-only throughput: the destinations are created and paused (deliveries off: each trace is
//    routed and held in their log), BENCH_E2E_TRACES traces sent closed loop, CONCURRENCY requests in
//    flight. These traces are the backlog of step 2.
// 2. backlog drain: every destination is resumed, and its cursor reads the backlog from the log, the
//    path a destination takes after a pause or after its platform's outage. The drain rate is the
//    deliveries over the time from the first Resume until every receiver counted every trace. Server
//    CPU (/proc/<pid>/stat) over the same span gives CPU µs per delivered trace per destination; then
//    the server's RSS and the database's size.
// 3. sustainable throughput: open-loop ingest at a rate for BENCH_E2E_WINDOW_SECONDS with deliveries on;
//    the rate is sustainable when the backlog (traces accepted × destinations − traces counted by the
//    receivers, sampled every second) stays flat: its least-squares slope over the window, after the
//    first fifth, is at most FLAT_SLOPE_SHARE of the delivery demand, and every request was accepted.
//    A step search: first the rate steps 1–2 predict (1 / (1/ingest-only + destinations/drain rate)),
//    then halving or doubling, then bisecting (in log space) between the best pass and the worst fail.
//    Delivery lag at the highest sustainable rate: when a receiver got the trace − when its ingest
//    request left the load generator (both clocks in this process).
// 4. (one-destination set only) ingest p99 at a fixed rate, alone, while the dashboard is polled
//    (health and delivery log of every destination, once a second, with the signed-in session), and
//    while it is polled and a replay of the last BENCH_E2E_REPLAY_TRACES stored traces runs.
//
// Receivers only count: a trace is found in a webhook (OTLP/JSON) or OTLP/protobuf body by its
// `tracecast.generation.id` attribute, without decoding the body.
//
// Run: `npm run bench -- e2e` (full: ~20–30 min) or `npm run bench -- e2e --quick` (a few minutes, for
// development; BENCH_QUICK=1 does the same). BENCH_DATABASE_URL (PostgreSQL admin URL) adds the
// PostgreSQL runs. Sizes: BENCH_E2E_TRACES, BENCH_E2E_WINDOW_SECONDS, BENCH_E2E_REPLAY_TRACES,
// BENCH_E2E_TRACES_PER_REQUEST, BENCH_E2E_MAX_STEPS. Writes the "## End to end" section of docs/benchmarks.md.
// For development: BENCH_E2E_ONLY=pglite|postgres and BENCH_E2E_SETS=1|4 run a part (nothing is
// written to the docs then); BENCH_E2E_PROFILE=<dir> has each server write a V8 CPU profile there;
// BENCH_SERVER_LOG=<file> appends the servers' output to it, timestamped (with
// TRACECAST_SLOW_STATEMENT_MS=100, the embedded database's statements that held it 100 ms or more).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import {
  cpuSeconds,
  createPostgresDatabase,
  databaseLabel,
  ensureBuild,
  fixedRate,
  freePort,
  gcDuring,
  loadAgent,
  machine,
  migrateDatabase,
  percentiles,
  round2,
  rssMiB,
  send,
  startAppServer,
  startBodyReceiver,
  stopProcess,
  summarize,
  writeBenchmarksSection,
  type BenchDatabase,
  type Sample,
  type ServerProcess,
} from "./harness.mjs";
import { traceBody } from "./ingest.bench.mjs";

const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const setting = (name: string, full: number, quick: number) => {
  const value = Number(process.env[name] ?? (QUICK ? quick : full));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const BACKLOG_TRACES = setting("BENCH_E2E_TRACES", 100_000, 10_000);
const WINDOW_SECONDS = setting("BENCH_E2E_WINDOW_SECONDS", 60, 10);
const REPLAY_TRACES = setting("BENCH_E2E_REPLAY_TRACES", 50_000, 5_000);
const TRACES_PER_REQUEST = setting("BENCH_E2E_TRACES_PER_REQUEST", 10, 10);
const MAX_STEPS = setting("BENCH_E2E_MAX_STEPS", 6, 4);
const CONCURRENCY = 32;
/** A backlog growing by less than this share of the deliveries asked for (rate × destinations) counts as flat. */
const FLAT_SLOPE_SHARE = 0.02;
/** The drain must finish within this; past it the run reports how far it got. */
const DRAIN_DEADLINE_MS = 30 * 60_000;
const DASHBOARD_POLL_MS = 1000;
const CHECKPOINT_TRACES = 500;
const STALL_LOG_MS = 15_000;
/** Ingest p99 goal (the ingest and load benchmarks' goal), for the dashboard + replay phase. */
/** Ingest p99 while the dashboard is polled and a replay runs, at most this many times the p99 alone in the same run. */
const INGEST_P99_GOAL_RATIO = 2;

type DestinationSpec = { type: "webhook" | "otel-collector"; name: string; config: (receiverUrl: string) => Record<string, unknown> };
const WEBHOOK = (n: number): DestinationSpec => ({
  type: "webhook",
  name: `Bench webhook ${n}`,
  config: (url) => ({ url: `${url}/hook`, secret: `whsec_${crypto.randomBytes(32).toString("base64")}` }),
});
const COLLECTOR = (n: number): DestinationSpec => ({
  type: "otel-collector",
  name: `Bench collector ${n}`,
  config: (url) => ({ endpoint: `${url}/v1/traces`, encoding: "protobuf" }),
});
const DESTINATION_SETS: { label: string; destinations: DestinationSpec[] }[] = [
  { label: "1 destination (webhook)", destinations: [WEBHOOK(1)] },
  { label: "4 destinations (2 webhook, 2 OTLP/protobuf)", destinations: [WEBHOOK(1), COLLECTOR(1), WEBHOOK(2), COLLECTOR(2)] },
];

// ───────────── counting receiver ─────────────

// The trace's own id follows its attribute key within a few bytes in OTLP/JSON and OTLP/protobuf alike.
const GENERATION_ID = /tracecast\.generation\.id[^]{1,40}?(e2e[a-z0-9]+-\d+)/g;

/** Counts traces by id as they arrive and, for ids in `watch`, records the lag since their send time. */
async function startCountingReceiver(watch: Map<string, number>, lags: number[]) {
  let traces = 0;
  let requests = 0;
  const receiver = await startBodyReceiver((body, at, res, req) => {
    requests++;
    for (const match of body.toString("latin1").matchAll(GENERATION_ID)) {
      traces++;
      const sentAt = watch.get(match[1]);
      if (sentAt !== undefined) lags.push(at - sentAt);
    }
    if (req.headers["content-type"]?.includes("protobuf")) res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  return {
    url: receiver.url,
    traces: () => traces,
    requests: () => requests,
    close: receiver.close,
  };
}

// ───────────── the app, through its API ─────────────

/** A signed-in user of the app: JSON calls with the session cookie. */
class Session {
  private cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  private keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      this.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
  }

  async call(method: string, pathname: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.origin}${pathname}`, {
      method,
      redirect: "manual",
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.keep(res);
    const text = await res.text();
    return { status: res.status, json: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  }

  async expect<T>(method: string, pathname: string, body: unknown, status: number): Promise<T> {
    const r = await this.call(method, pathname, body);
    if (r.status !== status) throw new Error(`${method} ${pathname} answered ${r.status} (expected ${status}): ${JSON.stringify(r.json)}`);
    return r.json as T;
  }

  /** Signs up and signs in with Auth.js's credentials flow (CSRF token, then the callback). */
  async signUp(email: string, password: string) {
    await this.expect("POST", "/api/auth/sign-up", { email, password, name: "Bench" }, 201);
    const { csrfToken } = await this.expect<{ csrfToken: string }>("GET", "/api/auth/csrf", undefined, 200);
    const res = await fetch(`${this.origin}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${this.origin}/w` }),
    });
    this.keep(res);
    await res.text();
    if (![...this.cookies.keys()].some((k) => k.endsWith("authjs.session-token"))) throw new Error(`sign-in failed (${res.status} ${res.headers.get("location")})`);
  }
}

// ───────────── load ─────────────

let runTag = "";
const traceId = (phase: string, n: number) => `e2e${runTag}${phase}-${n}`;
/** One ingest request of TRACES_PER_REQUEST traces, numbered from `first`. */
const requestBody = (phase: string, first: number) =>
  `{"traces":[${Array.from({ length: TRACES_PER_REQUEST }, (_, k) => traceBody(first + k, traceId(phase, first + k))).join(",")}]}`;

/** `requests` ingest requests, CONCURRENCY in flight; `onAccepted(traces)` is told of each 202. */
async function closedLoop(url: string, headers: Record<string, string>, phase: string, requests: number, onAccepted: (traces: number) => void): Promise<Sample> {
  const sample: Sample = { latenciesMs: [], statuses: {}, elapsedMs: 0 };
  const started = performance.now();
  let issued = 0;
  async function worker() {
    while (issued < requests) {
      const body = requestBody(phase, issued++ * TRACES_PER_REQUEST);
      const t0 = performance.now();
      const status = await send(url, headers, body).then((r) => String(r.status), (err: Error) => `error: ${err.message}`);
      sample.latenciesMs.push(performance.now() - t0);
      sample.statuses[status] = (sample.statuses[status] ?? 0) + 1;
      if (status === "202") onAccepted(TRACES_PER_REQUEST);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  sample.elapsedMs = performance.now() - started;
  return sample;
}

/** Least-squares slope of (seconds, value) points, per second. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

async function databaseBytes(db: BenchDatabase): Promise<number> {
  if (typeof db === "string") {
    const walk = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? walk(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
    return walk(db);
  }
  const client = new pg.Client({ connectionString: db.postgresUrl });
  await client.connect();
  const { rows } = await client.query<{ bytes: string }>("select pg_database_size(current_database()) as bytes");
  await client.end();
  return Number(rows[0].bytes);
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ───────────── one destination set on one database ─────────────

async function runSet(database: "pglite" | "postgres", set: (typeof DESTINATION_SETS)[number], withDashboardPhase: boolean) {
  const log = (message: string) => console.log(`[e2e] ${database}, ${set.label}: ${message}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-e2e-"));
  const postgres = database === "postgres" ? await createPostgresDatabase(process.env.BENCH_DATABASE_URL!) : undefined;
  const db: BenchDatabase = postgres?.db ?? path.join(work, "pglite");
  const watch = new Map<string, number>();
  const lags: number[] = [];
  const receivers = await Promise.all(set.destinations.map(() => startCountingReceiver(watch, lags)));
  const D = set.destinations.length;
  let server: ServerProcess | undefined;
  try {
    await migrateDatabase(db);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    server = startAppServer(port, db, {
      TRACECAST_DISPATCHER: "inline",
      TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
      AUTH_TRUST_HOST: "true",
      NEXT_TELEMETRY_DISABLED: "1",
      // The rate limiter stays in the path, with a limit this load cannot reach.
      TRACECAST_INGEST_RATE_PER_SEC: "1000000",
      TRACECAST_INGEST_BURST: "1000000",
    }, process.env.BENCH_E2E_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_E2E_PROFILE)}`] : []);
    const pid = server.child.pid!;
    const session = new Session(origin);
    for (let started = Date.now(); ; await wait(500)) {
      if (server.child.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
      const up = await fetch(`${origin}/api/auth/csrf`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() - started > 180_000) throw new Error(`server did not answer within 180 s:\n${server.output()}`);
    }
    await session.signUp(`bench-${crypto.randomUUID()}@example.com`, "bench password 1234");
    const { workspaces } = await session.expect<{ workspaces: { id: string }[] }>("GET", "/api/workspaces", undefined, 200);
    const ws = `/api/workspaces/${workspaces[0].id}`;
    const { secret } = await session.expect<{ secret: string }>("POST", `${ws}/api-keys`, { name: "Bench" }, 201);
    const ingestUrl = `${origin}/api/v1/traces`;
    const headers = { "content-type": "application/json", authorization: `Bearer ${secret}` };
    const destinationIds: string[] = [];
    let accepted = 0;
    /** Deliveries owed: accepted traces × destinations (held while paused). */
    let queued = 0;
    /** [traces accepted so far, wall clock], every CHECKPOINT_TRACES: when the replay's first trace was received. */
    const checkpoints: [number, number][] = [];
    const onAccepted = (n: number) => {
      if (Math.floor((accepted + n) / CHECKPOINT_TRACES) > Math.floor(accepted / CHECKPOINT_TRACES)) checkpoints.push([accepted + n, Date.now()]);
      accepted += n;
      queued += n * destinationIds.length;
    };
    const delivered = () => receivers.reduce((sum, r) => sum + r.traces(), 0);
    const backlog = () => queued - delivered();
    const waitForDrain = async (deadlineMs: number) => {
      const deadline = performance.now() + deadlineMs;
      let progressAt = performance.now();
      let last = backlog();
      while (backlog() > 0 && performance.now() < deadline) {
        await wait(100);
        if (backlog() !== last) [last, progressAt] = [backlog(), performance.now()];
        else if (performance.now() - progressAt > STALL_LOG_MS) {
          // No delivery for a while: show each destination's oldest-listed waiting delivery, to tell a stall (a
          // lease left to expire, a backoff) from slowness.
          const waiting = [];
          for (const id of destinationIds)
            for (const status of ["in_flight", "pending"]) {
              const r = await session.call("GET", `${ws}/destinations/${id}/deliveries?status=${status}&limit=1`);
              const row = (r.json as { deliveries?: { attempts: number; lastError: string | null; nextAttemptAt: string }[] }).deliveries?.[0];
              if (row) waiting.push({ destination: id, status, attempts: row.attempts, lastError: row.lastError, nextAttemptAt: row.nextAttemptAt });
            }
          log(`no delivery for ${STALL_LOG_MS / 1000} s, backlog ${last}; waiting: ${JSON.stringify(waiting)}`);
          progressAt = performance.now();
        }
      }
      return backlog();
    };

    // Warm-up: the first requests compile and connect.
    log("warm-up");
    await closedLoop(ingestUrl, headers, "w", 200, onAccepted);
    await wait(1000);
    const backlogSince = new Date();

    // ── 1. ingest only: the destinations exist but are paused, so every trace is routed and held in
    // their log (deliveries off) ──
    for (const [i, spec] of set.destinations.entries()) {
      const { destination } = await session.expect<{ destination: { id: string } }>(
        "POST",
        `${ws}/destinations`,
        { type: spec.type, name: spec.name, config: spec.config(receivers[i].url) },
        201,
      );
      await session.expect("POST", `${ws}/destinations/${destination.id}/pause`, {}, 200);
      destinationIds.push(destination.id);
    }
    const requests = Math.ceil(BACKLOG_TRACES / TRACES_PER_REQUEST);
    log(`ingest only: ${requests * TRACES_PER_REQUEST} traces, ${CONCURRENCY} requests in flight, ${D} paused destination(s)`);
    const acceptedBefore = accepted;
    const ingestSample = await closedLoop(ingestUrl, headers, "b", requests, onAccepted);
    const backlogTraces = accepted - acceptedBefore;
    const ingestOnly = { ...summarize(ingestSample), tracesPerSec: Math.round(backlogTraces / (ingestSample.elapsedMs / 1000)) };
    log(`ingest only ${ingestOnly.tracesPerSec} traces/s, p99 ${ingestOnly.latencyMs.p99} ms`);

    // ── 2. drain: Resume, as a user would after a pause or the platform after an outage; each
    // destination's cursor then reads the whole backlog from its log ──
    await wait(1000);
    const cpuBefore = cpuSeconds(pid);
    const drainStarted = performance.now();
    for (const id of destinationIds) await session.expect("POST", `${ws}/destinations/${id}/resume`, {}, 200);
    const left = await waitForDrain(DRAIN_DEADLINE_MS);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const drainCpu = cpuSeconds(pid) - cpuBefore;
    const deliveredInDrain = delivered();
    const drain = {
      seconds: round2(drainSeconds),
      deliveries: deliveredInDrain,
      left,
      /** Per destination: the destinations drain side by side. */
      tracesPerSecPerDestination: Math.round(deliveredInDrain / D / drainSeconds),
      deliveriesPerSec: Math.round(deliveredInDrain / drainSeconds),
      cpuMicrosPerTracePerDestination: Math.round((drainCpu * 1e6) / Math.max(1, deliveredInDrain)),
      serverCpuPercentOfOneCore: round2((drainCpu / drainSeconds) * 100),
      rssMiBAfter: rssMiB(pid),
      /** What the JS heap held after the server's last full collection (--trace-gc): RSS above it is garbage not yet collected, or other memory (the embedded database's). */
      heapMiBAfterLastFullGc: server.gcPauses.filter((g) => g.kind === "full").at(-1)?.heapAfterMiB ?? null,
    };
    const dbBytes = await databaseBytes(db).catch(() => Number.NaN);
    const size = { storedTraces: accepted, databaseMiB: round2(dbBytes / 2 ** 20), databaseMiBPer100k: round2(((dbBytes / 2 ** 20) * 100_000) / accepted), rssMiB: drain.rssMiBAfter };
    log(`drain ${drain.tracesPerSecPerDestination} traces/s per destination (${drain.cpuMicrosPerTracePerDestination} µs CPU each, ${drain.serverCpuPercentOfOneCore} % of a core), RSS ${drain.rssMiBAfter} MiB (JS heap after the last full GC ${drain.heapMiBAfterLastFullGc} MiB), database ${size.databaseMiB} MiB`);

    // ── 3. sustainable throughput: step search ──
    type Step = { tracesPerSec: number; sustained: boolean; backlogSlopePerSec: number; backlogAtEnd: number; accepted: number; requests: number; ingestP99Ms: number; lagMs: ReturnType<typeof percentiles> | null; drainedBefore: boolean; gc: ReturnType<typeof gcDuring> };
    const steps: Step[] = [];
    const runStep = async (rate: number, index: number): Promise<Step> => {
      const drainedBefore = (await waitForDrain(Math.max(30_000, 2 * WINDOW_SECONDS * 1000))) <= 0;
      const phase = `s${index}`;
      watch.clear();
      lags.length = 0;
      const points: [number, number][] = [];
      const started = performance.now();
      const sampler = setInterval(() => points.push([(performance.now() - started) / 1000, backlog()]), 1000);
      const sample = await fixedRate(ingestUrl, headers, {
        ratePerSec: rate / TRACES_PER_REQUEST,
        seconds: WINDOW_SECONDS,
        body: (i) => requestBody(phase, i * TRACES_PER_REQUEST),
        onSend: (i, at) => {
          for (let k = 0; k < TRACES_PER_REQUEST; k++) watch.set(traceId(phase, i * TRACES_PER_REQUEST + k), at);
        },
        onAnswer: (_, status) => status === "202" && onAccepted(TRACES_PER_REQUEST),
      });
      clearInterval(sampler);
      const gc = gcDuring(server!, started, performance.now());
      const s = summarize(sample);
      const perSec = slope(points.filter(([t]) => t >= WINDOW_SECONDS / 5));
      const step: Step = {
        tracesPerSec: Math.round(rate),
        sustained: s.accepted === s.requests && perSec <= FLAT_SLOPE_SHARE * rate * D,
        backlogSlopePerSec: Math.round(perSec),
        backlogAtEnd: backlog(),
        accepted: s.accepted * TRACES_PER_REQUEST,
        requests: s.requests,
        ingestP99Ms: s.latencyMs.p99,
        lagMs: lags.length ? percentiles(lags) : null,
        drainedBefore,
        gc,
      };
      log(`step ${index}: ${step.tracesPerSec} traces/s → ${step.sustained ? "flat" : "growing"} (backlog slope ${step.backlogSlopePerSec}/s, ingest p99 ${step.ingestP99Ms} ms, lag p95 ${step.lagMs?.p95} ms; server GC: ${step.gc.full.count} full, longest ${step.gc.full.maxMs} ms, ${step.gc.pausedPercent} % paused)`);
      return step;
    };
    // The rate the ingest-only and drain figures predict, when ingestion and delivery take turns on the same CPU.
    const predicted = 1 / (1 / ingestOnly.tracesPerSec + D / Math.max(1, drain.deliveriesPerSec));
    let pass = 0;
    let fail = Infinity;
    let rate = predicted;
    for (let i = 0; i < MAX_STEPS; i++) {
      const step = await runStep(rate, i);
      steps.push(step);
      if (step.sustained) pass = Math.max(pass, rate);
      else fail = Math.min(fail, rate);
      rate = fail === Infinity ? pass * 2 : pass === 0 ? fail / 2 : Math.sqrt(pass * fail);
    }
    const best = steps.filter((s) => s.sustained).sort((a, b) => b.tracesPerSec - a.tracesPerSec)[0];
    const sustainable = { tracesPerSec: best?.tracesPerSec ?? 0, lagMs: best?.lagMs ?? null, predictedTracesPerSec: Math.round(predicted), lowestFailingTracesPerSec: fail === Infinity ? null : Math.round(fail), steps };
    log(`sustainable ${sustainable.tracesPerSec} traces/s (lowest failing ${sustainable.lowestFailingTracesPerSec})`);

    // ── 4. ingest p99 with the dashboard polled and a replay running ──
    let dashboard: Awaited<ReturnType<typeof dashboardPhase>> | undefined;
    if (withDashboardPhase) {
      await waitForDrain(Math.max(30_000, 2 * WINDOW_SECONDS * 1000));
      // The replay covers about the newest REPLAY_TRACES traces stored when it starts (the phase ingests before it), with a
      // margin for the traces accepted while its limit is counted.
      const since = () => new Date([...checkpoints].reverse().find(([n]) => n <= accepted - 0.9 * REPLAY_TRACES)?.[1] ?? backlogSince.getTime());
      dashboard = await dashboardPhase({ ingestUrl, headers, session, ws, destinationIds, onAccepted, since, rate: Math.max(50, Math.round((sustainable.tracesPerSec || predicted) / 2)), log });
    }
    return { database: databaseLabel(db), destinations: set.label, destinationCount: D, ingestOnly, drain, size, sustainable, dashboard, rssMiBAtEnd: rssMiB(pid) };
  } finally {
    if (server) await stopProcess(server);
    await Promise.all(receivers.map((r) => r.close()));
    await postgres?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function dashboardPhase(o: {
  ingestUrl: string;
  headers: Record<string, string>;
  session: Session;
  ws: string;
  destinationIds: string[];
  onAccepted: (n: number) => void;
  /** Where the replay starts, asked when it starts. */
  since: () => Date;
  rate: number;
  log: (message: string) => void;
}) {
  const drive = (phase: string) =>
    fixedRate(o.ingestUrl, o.headers, {
      ratePerSec: o.rate / TRACES_PER_REQUEST,
      seconds: WINDOW_SECONDS,
      body: (i) => requestBody(phase, i * TRACES_PER_REQUEST),
      onAnswer: (_, status) => status === "202" && o.onAccepted(TRACES_PER_REQUEST),
    });
  o.log(`ingest at ${o.rate} traces/s alone, ${WINDOW_SECONDS} s`);
  const alone = summarize(await drive("q"));
  /** Polls the dashboard until the returned stop is called; its reads' latencies and failures. */
  const pollDashboard = () => {
    let polling = true;
    const latencies: number[] = [];
    /** Dashboard reads that did not answer 200, by status: a result to report, not a reason to stop. */
    const failures: Record<string, number> = {};
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const answers = await Promise.all(
          o.destinationIds.flatMap((id) => [
            o.session.call("GET", `${o.ws}/destinations/${id}/health`).then((r) => r.status, () => 0),
            o.session.call("GET", `${o.ws}/destinations/${id}/deliveries?limit=50`).then((r) => r.status, () => 0),
          ]),
        );
        for (const status of answers) if (status !== 200) failures[status || "error"] = (failures[status || "error"] ?? 0) + 1;
        latencies.push(performance.now() - t0);
        await wait(Math.max(0, DASHBOARD_POLL_MS - (performance.now() - t0)));
      }
    })();
    return async () => {
      polling = false;
      await poller;
      return { latencies, failures };
    };
  };
  o.log(`ingest at ${o.rate} traces/s with the dashboard polled, ${WINDOW_SECONDS} s`);
  const stopPolling = pollDashboard();
  const polled = summarize(await drive("p"));
  const pollOnly = await stopPolling();
  o.log(`ingest at ${o.rate} traces/s with the dashboard polled and a replay, ${WINDOW_SECONDS} s`);
  const stopPollingAgain = pollDashboard();
  const loaded = drive("r");
  const replayStarted = performance.now();
  const replay = await o.session.call("POST", `${o.ws}/destinations/${o.destinationIds[0]}/replay`, { since: o.since().toISOString() });
  const replayMs = performance.now() - replayStarted;
  const withDashboard = summarize(await loaded);
  const { latencies: pollLatencies, failures: pollFailures } = await stopPollingAgain();
  for (const [status, n] of Object.entries(pollOnly.failures)) pollFailures[status] = (pollFailures[status] ?? 0) + n;
  const result = {
    tracesPerSec: o.rate,
    alone: { p50: alone.latencyMs.p50, p99: alone.latencyMs.p99, accepted: alone.accepted, requests: alone.requests },
    withDashboard: { p50: polled.latencyMs.p50, p99: polled.latencyMs.p99, accepted: polled.accepted, requests: polled.requests },
    withDashboardAndReplay: { p50: withDashboard.latencyMs.p50, p99: withDashboard.latencyMs.p99, accepted: withDashboard.accepted, requests: withDashboard.requests },
    dashboardPollMs: pollLatencies.length || pollOnly.latencies.length ? percentiles([...pollOnly.latencies, ...pollLatencies]) : null,
    dashboardPollFailures: pollFailures,
    replay: { status: replay.status, answer: replay.json, requestMs: Math.round(replayMs) },
  };
  o.log(`ingest p99 alone ${result.alone.p99} ms, with the dashboard ${result.withDashboard.p99} ms, with dashboard + replay ${result.withDashboardAndReplay.p99} ms; replay ${JSON.stringify(replay.json)} in ${result.replay.requestMs} ms; dashboard reads not answered 200: ${JSON.stringify(pollFailures)}`);
  return result;
}

// ───────────── the run ─────────────

type SetResult = Awaited<ReturnType<typeof runSet>>;

function goalsOf(one: SetResult, four: SetResult) {
  const drainRatio = round2(one.drain.tracesPerSecPerDestination / one.ingestOnly.tracesPerSec);
  const sustainableRatio = round2(four.sustainable.tracesPerSec / four.ingestOnly.tracesPerSec);
  return {
    drainToOneVsIngestOnly: { ratio: drainRatio, goal: ">= 1.0", pass: drainRatio >= 1 },
    sustainableWithFourVsIngestOnly: { ratio: sustainableRatio, goal: ">= 0.5", pass: sustainableRatio >= 0.5 },
    rssAfterFourDestinationDrain: {
      rssMiB: four.drain.rssMiBAfter,
      traces: BACKLOG_TRACES,
      goal: "<= 600 MB after 100k x 4",
      // 600 MB (decimal) in MiB.
      pass: four.drain.rssMiBAfter <= 600e6 / 2 ** 20,
      atGoalSize: BACKLOG_TRACES >= 100_000,
    },
    ingestP99WithDashboardAndReplay: {
      ms: one.dashboard?.withDashboardAndReplay.p99 ?? null,
      goal: `<= ${INGEST_P99_GOAL_RATIO}x the p99 alone`,
      // And every dashboard read answered: a dashboard that times out is no pass.
      pass:
        (one.dashboard?.withDashboardAndReplay.p99 ?? Infinity) <= INGEST_P99_GOAL_RATIO * (one.dashboard?.alone.p99 ?? 0) &&
        Object.keys(one.dashboard?.dashboardPollFailures ?? {}).length === 0,
    },
  };
}

export default async function e2eBenchmark() {
  ensureBuild();
  runTag = crypto.randomBytes(3).toString("hex");
  const loadAverageAtStart = machine().loadAverage1m;
  const only = process.env.BENCH_E2E_ONLY;
  const sets = process.env.BENCH_E2E_SETS;
  const databases = (process.env.BENCH_DATABASE_URL ? (["pglite", "postgres"] as const) : (["pglite"] as const)).filter((d) => !only || d === only);
  if (!process.env.BENCH_DATABASE_URL) console.log("[e2e] BENCH_DATABASE_URL is not set: PGlite only");
  if (only || sets) {
    // A part of the run, for development: its figures are logged, not written to the docs.
    for (const database of databases)
      for (const [i, set] of DESTINATION_SETS.entries()) if (!sets || sets === String(set.destinations.length)) console.log(JSON.stringify(await runSet(database, set, i === 0)));
    loadAgent.destroy();
    return {};
  }
  const runs: { database: string; one: SetResult; four: SetResult; goals: ReturnType<typeof goalsOf> }[] = [];
  try {
    for (const database of databases) {
      const one = await runSet(database, DESTINATION_SETS[0], true);
      const four = await runSet(database, DESTINATION_SETS[1], false);
      const goals = goalsOf(one, four);
      for (const [name, goal] of Object.entries(goals)) console.log(`[e2e] ${database} goal ${name}: ${goal.pass ? "PASS" : "FAIL"} ${JSON.stringify(goal)}`);
      runs.push({ database: one.database, one, four, goals });
    }
  } finally {
    loadAgent.destroy();
  }
  const settings = {
    quick: QUICK,
    backlogTraces: BACKLOG_TRACES,
    windowSeconds: WINDOW_SECONDS,
    replayTraces: REPLAY_TRACES,
    tracesPerRequest: TRACES_PER_REQUEST,
    maxSteps: MAX_STEPS,
    concurrency: CONCURRENCY,
    flatSlopeShare: FLAT_SLOPE_SHARE,
    loadAverageAtStart,
  };
  writeBenchmarksSection("## End to end (delivery capacity)", docsSection(settings, runs));
  return { settings, runs };
}

function docsSection(settings: { quick: boolean; loadAverageAtStart: number }, runs: { database: string; one: SetResult; four: SetResult; goals: ReturnType<typeof goalsOf> }[]) {
  const m = machine();
  const n = (x: number) => x.toLocaleString("en-US");
  const verdict = (pass: boolean) => (pass ? "PASS" : "**FAIL**");
  const row = (database: string, r: SetResult) =>
    `| ${database} | ${r.destinations} | ${n(r.ingestOnly.tracesPerSec)} (p99 ${r.ingestOnly.latencyMs.p99} ms) | ${n(r.drain.tracesPerSecPerDestination)} (${n(r.drain.deliveriesPerSec)} deliveries/s${r.drain.left ? `, ${n(r.drain.left)} left` : ""}) | ${n(r.sustainable.tracesPerSec)} (first failing ${r.sustainable.lowestFailingTracesPerSec === null ? "–" : n(r.sustainable.lowestFailingTracesPerSec)}) | ${r.sustainable.lagMs ? `${r.sustainable.lagMs.p50} / ${r.sustainable.lagMs.p95}` : "–"} | ${n(r.drain.cpuMicrosPerTracePerDestination)} | ${r.drain.rssMiBAfter} (heap ${r.drain.heapMiBAfterLastFullGc ?? "–"}) | ${r.size.databaseMiBPer100k} |`;
  const steps = (r: SetResult) => r.sustainable.steps.map((s) => `${n(s.tracesPerSec)} ${s.sustained ? "flat" : "grew"} (${s.backlogSlopePerSec}/s)`).join(", ");
  return [
    "",
    `${settings.quick ? "**Quick mode** (`--quick`: small sizes, short windows; a development baseline, not the goal's sizes). " : ""}Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`bench/e2e.bench.mts\` (\`npm run bench -- e2e${settings.quick ? " --quick" : ""}\`, with \`BENCH_DATABASE_URL\` for PostgreSQL; raw figures in bench/results/e2e.json).`,
    `Settings: ${n(BACKLOG_TRACES)} backlog traces, ${WINDOW_SECONDS} s windows, up to ${MAX_STEPS} search steps, ${TRACES_PER_REQUEST} traces per ingest request, ${CONCURRENCY} in flight for ingest-only, replay of ~${n(REPLAY_TRACES)} traces.`,
    "",
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}, Node ${m.node}. Load average ${settings.loadAverageAtStart} at the start,`,
    `${m.loadAverage1m} at the end (other work on the machine shows here); the server, the database, the load generator and the receivers share them too. Compare runs back to back only.`,
    "",
    "What each figure is (all against `npm start` = scripts/server.mjs, production build, fresh database per row, inline dispatcher, `TRACECAST_ALLOW_PRIVATE_TARGETS=true`; set up through the API: sign-up, sign-in, API key, destinations):",
    "- **Ingest only**: the destinations created and paused (each trace routed to them and held: deliveries off), the backlog traces sent closed loop.",
    "- **Drain**: every destination resumed; per destination, the deliveries ÷ the time from the first Resume until every receiver counted every trace (the path after a pause or a platform's outage: each cursor reads the backlog from the log).",
    `- **Sustainable**: highest open-loop ingest rate whose backlog (accepted × destinations − counted by the receivers) stayed flat for the window (least-squares slope after the first fifth ≤ ${FLAT_SLOPE_SHARE * 100} % of rate × destinations, every request accepted), by a step search; lag = receiver arrival − ingest send, at that rate.`,
    "- **CPU µs**: server process CPU (/proc/<pid>/stat, user + system) over the drain ÷ deliveries. PGlite runs inside the server process (its own thread), so its CPU is included; PostgreSQL's own processes are not.",
    "- **RSS** after the drain, with the JS heap after the server's last full collection (`--trace-gc`) in brackets; **database size** (PGlite directory / `pg_database_size`) scaled to 100k stored traces.",
    "",
    "| database | destinations | ingest only traces/s | drain traces/s per destination | sustainable traces/s | lag p50 / p95 ms at sustainable | CPU µs per trace per destination | RSS MiB after drain | database MiB per 100k traces |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...runs.flatMap((r) => [row(r.database, r.one), row(r.database, r.four)]),
    "",
    "Search steps (traces/s, backlog slope): " + runs.flatMap((r) => [`${r.database}, ${r.one.destinations}: ${steps(r.one)}`, `${r.database}, ${r.four.destinations}: ${steps(r.four)}`]).join("; ") + ".",
    "",
    ...runs.flatMap((r) => {
      const d = r.one.dashboard;
      const g = r.goals;
      return [
        `Goals, ${r.database}:`,
        `- Drain to one destination ÷ ingest only: **${g.drainToOneVsIngestOnly.ratio}×** (goal ≥ 1.0×): ${verdict(g.drainToOneVsIngestOnly.pass)}`,
        `- Sustainable with 4 destinations ÷ ingest only: **${g.sustainableWithFourVsIngestOnly.ratio}×** (goal ≥ 0.5×): ${verdict(g.sustainableWithFourVsIngestOnly.pass)}`,
        `- RSS after the ${n(BACKLOG_TRACES)} × 4 drain: **${g.rssAfterFourDestinationDrain.rssMiB} MiB** (goal ≤ 600 MB after 100k × 4): ${verdict(g.rssAfterFourDestinationDrain.pass)}${g.rssAfterFourDestinationDrain.atGoalSize ? "" : " (backlog below the goal's 100k: not the goal's measurement)"}`,
        d
          ? `- Ingest p99 at ${n(d.tracesPerSec)} traces/s: ${d.alone.p99} ms alone, ${d.withDashboard.p99} ms while the dashboard is polled, **${d.withDashboardAndReplay.p99} ms** while it is polled (health + delivery log of each destination every ${DASHBOARD_POLL_MS / 1000} s; poll p50 / p99 ${d.dashboardPollMs?.p50} / ${d.dashboardPollMs?.p99} ms${Object.keys(d.dashboardPollFailures).length ? `; reads not answered 200: ${JSON.stringify(d.dashboardPollFailures)}` : ""}) and a replay of ${typeof d.replay.answer === "object" && d.replay.answer !== null && "count" in d.replay.answer ? n(Number(d.replay.answer.count)) : `? (answer ${d.replay.status})`} traces to the webhook runs (its request took ${n(d.replay.requestMs)} ms) (goal ≤ ${INGEST_P99_GOAL_RATIO}× the p99 alone): ${verdict(g.ingestP99WithDashboardAndReplay.pass)}`
          : "",
        "",
      ];
    }),
  ];
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await e2eBenchmark(), null, 2));
}

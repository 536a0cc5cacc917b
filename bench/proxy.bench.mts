// Capture-proxy overhead: the same chat-completions request sent straight to a local
// OpenAI-compatible upstream and through Tracecast (scripts/server.mjs, production build, embedded
// PGlite), alternately, one request at a time, so both paths see the same machine state.
//
// Measured per request, on the client: time to the first response body byte (for a stream: the
// first SSE event) and time to the end of the body. "Added" = proxied − direct, per percentile.
// A bare node:http forwarder (no auth, no trace) runs in the same rounds: what an extra process and
// two loopback hops cost on this machine, the floor any proxy's added latency stands on.
// The upstream answers instantly (no model), so every millisecond of difference is Tracecast's:
// API-key check, upstream lookup, forwarding, relaying and observing the stream. Trace recording
// runs after each answer in the server and is counted in the stored-trace check, not the latency.
//
// Run: `npm run bench -- proxy` or alone: `npx tsx bench/proxy.bench.mts`.
// Env: BENCH_REBUILD=1 runs `next build` even when .next exists (a stale build measures old code);
// BENCH_PROXY_ROUNDS overrides the measured rounds per scenario; BENCH_DATABASE_URL (a PostgreSQL admin URL)
// runs the server on a database created there for the run instead of embedded PGlite.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startOpenAiUpstream, type OpenAiUpstream } from "../tests/receivers/openai-upstream";
import {
  countRows,
  createPostgresDatabase,
  databaseLabel,
  ensureBuild,
  freePort,
  percentiles,
  round2,
  seedDatabase,
  startAppServer,
  startProcess,
  stopProcess,
  type BenchDatabase,
  type ServerProcess,
} from "./harness.mjs";

const WARMUP_ROUNDS = 300;
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 2000);

/** 24 content deltas (~5 tokens each), like a short answer. */
const REPLY = {
  content: Array.from({ length: 24 }, (_, i) => `token${i} and more `),
  finishReason: "stop",
  usage: { prompt_tokens: 120, completion_tokens: 96, cached_tokens: 0, reasoning_tokens: 0 },
};

function requestBody(stream: boolean, i: number): string {
  return JSON.stringify({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a helpful weather assistant. Answer briefly." },
      { role: "user", content: `What's the weather in Paris tomorrow morning? (request ${i})` },
    ],
    temperature: 0.2,
    max_tokens: 256,
    stream,
    session_id: `bench-session-${i % 100}`,
    trace: { trace_name: "Proxy bench", environment: "bench" },
  });
}

// ───────────── client ─────────────

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

type Timing = { status: number; firstByteMs: number; totalMs: number };

function call(url: string, headers: Record<string, string>, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let firstByteMs = NaN;
      res.on("data", () => {
        if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - t0;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, firstByteMs, totalMs: performance.now() - t0 }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

type Path = { label: string; url: string; headers: Record<string, string> };

/**
 * The reference for what any proxy costs on this machine: a node:http process that reads the body,
 * parses it as JSON, forwards it to the upstream on a keep-alive connection and pipes the answer
 * back. No authentication, no trace: an extra process and two loopback hops, nothing else.
 */
const BARE_FORWARDER = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true });
const upstream = new URL(process.env.UPSTREAM_URL);
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    JSON.parse(body.toString("utf8"));
    const forwarded = http.request(
      { host: upstream.hostname, port: upstream.port, path: upstream.pathname + "/chat/completions", method: "POST", agent,
        headers: { "content-type": "application/json", "content-length": body.length } },
      (answer) => { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); },
    );
    forwarded.end(body);
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
`;

async function scenario(stream: boolean, paths: Path[]) {
  const name = stream ? "streamed" : "non-streamed";
  const samples = new Map<Path, Timing[]>(paths.map((p) => [p, []]));
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    // Rotating order so no path always runs right after another's GC or I/O.
    const order = paths.map((_, k) => paths[(i + k) % paths.length]);
    for (const p of order) {
      const t = await call(p.url, p.headers, requestBody(stream, i));
      if (t.status !== 200) throw new Error(`${p.label} answered ${t.status} in the ${name} scenario`);
      if (i >= WARMUP_ROUNDS) samples.get(p)!.push(t);
    }
  }
  const summary = (ts: Timing[]) => ({ firstByteMs: percentiles(ts.map((t) => t.firstByteMs)), totalMs: percentiles(ts.map((t) => t.totalMs)) });
  const [direct, forwarder, proxied] = paths.map((p) => summary(samples.get(p)!));
  const added = (over: typeof direct, key: "firstByteMs" | "totalMs") => ({
    p50: round2(over[key].p50 - direct[key].p50),
    p90: round2(over[key].p90 - direct[key].p90),
    p99: round2(over[key].p99 - direct[key].p99),
  });
  const result = {
    rounds: ROUNDS,
    direct,
    bareForwarder: forwarder,
    proxied,
    addedMs: { firstByte: added(proxied, "firstByteMs"), total: added(proxied, "totalMs") },
    bareForwarderAddedMs: { firstByte: added(forwarder, "firstByteMs"), total: added(forwarder, "totalMs") },
  };
  console.log(
    `[proxy] ${name}: added total p50 ${result.addedMs.total.p50} ms, p99 ${result.addedMs.total.p99} ms; added first byte p50 ${result.addedMs.firstByte.p50} ms, p99 ${result.addedMs.firstByte.p99} ms` +
      ` (bare forwarder: total p50 ${result.bareForwarderAddedMs.total.p50} ms, p99 ${result.bareForwarderAddedMs.total.p99} ms)`,
  );
  return result;
}

export default async function proxyBenchmark() {
  ensureBuild();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-proxy-"));
  // Embedded PGlite, or PostgreSQL when BENCH_DATABASE_URL names a server (a database is created for the run).
  const postgres = process.env.BENCH_DATABASE_URL ? await createPostgresDatabase(process.env.BENCH_DATABASE_URL) : undefined;
  const db: BenchDatabase = postgres?.db ?? path.join(work, "pglite");
  let upstream: OpenAiUpstream | undefined;
  let server: ServerProcess | undefined;
  let forwarder: ServerProcess | undefined;
  try {
    upstream = await startOpenAiUpstream();
    upstream.reply = REPLY;
    // One default upstream (no model prefix, no provider key) for the workspace.
    const apiKey = await seedDatabase(db, (db, workspaceId) =>
      db.query(`insert into "ProxyUpstream" (id, "workspaceId", name, "baseUrl", "modelPrefix", "updatedAt") values ($1, $2, 'Local upstream', $3, '', now())`, [
        `bench-upstream-${crypto.randomUUID()}`,
        workspaceId,
        upstream!.url,
      ]).then(() => undefined),
    );
    const port = await freePort();
    server = startAppServer(port, db, { TRACECAST_ALLOW_PRIVATE_TARGETS: "true" });
    const forwarderPort = await freePort();
    forwarder = startProcess(["-e", BARE_FORWARDER], { ...process.env, PORT: String(forwarderPort), UPSTREAM_URL: upstream.url });
    const direct: Path = { label: "direct", url: `${upstream.url}/chat/completions`, headers: {} };
    const bareForwarder: Path = { label: "bare forwarder", url: `http://127.0.0.1:${forwarderPort}/chat/completions`, headers: {} };
    const proxied: Path = { label: "Tracecast", url: `http://127.0.0.1:${port}/api/v1/chat/completions`, headers: { authorization: `Bearer ${apiKey}` } };

    const deadline = Date.now() + 120_000;
    for (;;) {
      if (server.child.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`);
      const ready = await call(proxied.url, proxied.headers, requestBody(false, 0)).catch(() => undefined);
      if (ready?.status === 200) break;
      if (ready) throw new Error(`readiness probe answered ${ready.status}:\n${server.output()}`);
      if (Date.now() > deadline) throw new Error(`the server did not answer within 120 s:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    console.log(`[proxy] ${WARMUP_ROUNDS} warm-up + ${ROUNDS} measured rounds per scenario, one request at a time`);
    const nonStreamed = await scenario(false, [direct, bareForwarder, proxied]);
    const streamed = await scenario(true, [direct, bareForwarder, proxied]);
    const proxiedCalls = 1 + 2 * (WARMUP_ROUNDS + ROUNDS);

    await new Promise((r) => setTimeout(r, 2000));
    await stopProcess(server);
    const stored = (await countRows(db, ["TracePayload"])).TracePayload;

    return {
      server: `scripts/server.mjs (production build), ${databaseLabel(db)}, TRACECAST_DISPATCHER=none`,
      upstream: `local node:http OpenAI-compatible upstream (tests/receivers/openai-upstream.ts), ${REPLY.content.length} content deltas, no delays`,
      settings: { warmupRounds: WARMUP_ROUNDS, rounds: ROUNDS, concurrency: 1 },
      nonStreamed,
      streamed,
      storedCheck: { proxiedCalls, tracesStored: stored, allStored: stored === proxiedCalls },
      goals: {
        addedP99Ms: Math.max(nonStreamed.addedMs.total.p99, streamed.addedMs.total.p99),
        addedP99GoalMet: Math.max(nonStreamed.addedMs.total.p99, streamed.addedMs.total.p99) <= 5,
        addedFirstByteP50Ms: streamed.addedMs.firstByte.p50,
      },
    };
  } finally {
    if (server) await stopProcess(server);
    if (forwarder) await stopProcess(forwarder);
    await upstream?.close();
    agent.destroy();
    await postgres?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await proxyBenchmark(), null, 2));
}

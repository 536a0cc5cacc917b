// Capture-proxy overhead: the same chat-completions request sent straight to a local
// OpenAI-compatible upstream, through a peer gateway (the Portkey AI Gateway, open source, run
// locally) and through Tracecast (scripts/server.mjs, production build, embedded PGlite), in
// interleaved rounds, so every path sees the same machine state: one call at a time, then
// CONCURRENT_CALLS calls in flight (each round sends that many to one path at once).
//
// Measured per request, on the client: time to the first response body byte (for a stream: the
// first SSE event) and time to the end of the body. "Added" = proxied − direct, per percentile.
// A bare node:http forwarder (no auth, no trace) runs in the same rounds: what an extra process and
// two loopback hops cost on this machine, the floor any proxy's added latency stands on.
// The upstream answers instantly (no model), so every millisecond of difference is Tracecast's:
// API-key check, upstream lookup, forwarding, relaying and observing the stream. Trace recording
// runs after each answer in the server and is counted in the stored-trace check, not the latency.
//
// The gateway (@portkey-ai/gateway, a pinned devDependency) runs headless in production mode on
// loopback with no configuration: no cache, no Redis, no guardrails, no log sink; it reaches the
// upstream through its `x-portkey-custom-host` header (provider "openai"). It records nothing
// durably; Tracecast stores every call's trace (checked at the end). Goal: Tracecast's added p50
// and p99 ≤ the gateway's, whole-body and streamed, one and CONCURRENT_CALLS calls in flight.
//
// Run: `npm run bench -- proxy [--quick]` or alone: `npx tsx bench/proxy.bench.mts [--quick]`.
// Env: BENCH_REBUILD=1 runs `next build` even when .next exists (a stale build measures old code);
// BENCH_PROXY_ROUNDS overrides the measured calls per path and scenario (default 2000, 300 with
// --quick); BENCH_DATABASE_URL (a PostgreSQL admin URL)
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
  machine,
  percentiles,
  root,
  round2,
  seedDatabase,
  startAppServer,
  startProcess,
  stopProcess,
  type BenchDatabase,
  type ServerProcess,
} from "./harness.mjs";

const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const WARMUP_ROUNDS = QUICK ? 100 : 300;
/** Measured calls per path and scenario. */
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? (QUICK ? 300 : 2000));
const CONCURRENT_CALLS = 32;
const PORTKEY_START = path.join(root, "node_modules/@portkey-ai/gateway/build/start-server.js");

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

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * CONCURRENT_CALLS });

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

type Path = { label: string; url: string; headers: Record<string, string>; calls: number };

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

type Timings = { firstByteMs: ReturnType<typeof percentiles>; totalMs: ReturnType<typeof percentiles> };
type Added = { p50: number; p90: number; p99: number };

/**
 * `ROUNDS` measured calls per path (after `WARMUP_ROUNDS`), `inFlight` at a time: each round sends
 * `inFlight` calls to one path at once, the paths in rotating order. Added = path − direct, per percentile.
 */
async function scenario(stream: boolean, inFlight: number, paths: Path[]) {
  const name = `${stream ? "streamed" : "whole-body"}, ${inFlight} in flight`;
  const samples = new Map<Path, Timing[]>(paths.map((p) => [p, []]));
  const warmup = Math.ceil(WARMUP_ROUNDS / inFlight);
  const rounds = warmup + Math.ceil(ROUNDS / inFlight);
  for (let i = 0; i < rounds; i++) {
    // Rotating order so no path always runs right after another's GC or I/O.
    const order = paths.map((_, k) => paths[(i + k) % paths.length]);
    for (const p of order) {
      const ts = await Promise.all(Array.from({ length: inFlight }, (_, j) => call(p.url, p.headers, requestBody(stream, i * inFlight + j))));
      p.calls += inFlight;
      for (const t of ts) if (t.status !== 200) throw new Error(`${p.label} answered ${t.status} (${name})`);
      if (i >= warmup) samples.get(p)!.push(...ts);
    }
  }
  const summary = (ts: Timing[]): Timings => ({ firstByteMs: percentiles(ts.map((t) => t.firstByteMs)), totalMs: percentiles(ts.map((t) => t.totalMs)) });
  const byPath = Object.fromEntries(paths.map((p) => [p.label, summary(samples.get(p)!)]));
  const direct = byPath[paths[0].label];
  const added = (over: Timings, key: keyof Timings): Added => ({
    p50: round2(over[key].p50 - direct[key].p50),
    p90: round2(over[key].p90 - direct[key].p90),
    p99: round2(over[key].p99 - direct[key].p99),
  });
  const addedMs = Object.fromEntries(paths.slice(1).map((p) => [p.label, { firstByte: added(byPath[p.label], "firstByteMs"), total: added(byPath[p.label], "totalMs") }]));
  console.log(
    `[proxy] ${name}: added total p50 / p99 ms: ` + paths.slice(1).map((p) => `${p.label} ${addedMs[p.label].total.p50} / ${addedMs[p.label].total.p99}`).join(", "),
  );
  return { stream, inFlight, measuredCalls: samples.get(paths[0])!.length, byPath, addedMs };
}

/** Portkey's gateway on 127.0.0.1:`port`: headless (no UI routes), production mode, nothing configured. */
function startPortkey(port: number): ServerProcess {
  // Only what it needs from the environment: no proxy variables, no cloud credentials, no Redis URL.
  return startProcess([PORTKEY_START, `--port=${port}`, "--headless"], { PATH: process.env.PATH, NODE_ENV: "production" });
}

async function waitFor(p: Path, process: ServerProcess) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (process.child.exitCode !== null) throw new Error(`${p.label} exited:\n${process.output()}`);
    const ready = await call(p.url, p.headers, requestBody(false, 0)).catch(() => undefined);
    if (ready?.status === 200) return;
    if (ready) throw new Error(`${p.label}'s readiness probe answered ${ready.status}:\n${process.output()}`);
    if (Date.now() > deadline) throw new Error(`${p.label} did not answer within 120 s:\n${process.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
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
  let portkey: ServerProcess | undefined;
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
    const portkeyPort = await freePort();
    portkey = startPortkey(portkeyPort);
    const direct: Path = { label: "direct", url: `${upstream.url}/chat/completions`, headers: {}, calls: 0 };
    const bareForwarder: Path = { label: "bare forwarder", url: `http://127.0.0.1:${forwarderPort}/chat/completions`, headers: {}, calls: 0 };
    const gateway: Path = {
      label: "Portkey gateway",
      url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
      headers: { authorization: "Bearer sk-bench", "x-portkey-provider": "openai", "x-portkey-custom-host": upstream.url },
      calls: 0,
    };
    const proxied: Path = { label: "Tracecast", url: `http://127.0.0.1:${port}/api/v1/chat/completions`, headers: { authorization: `Bearer ${apiKey}` }, calls: 0 };
    await waitFor(gateway, portkey);
    await waitFor(proxied, server);
    const paths = [direct, bareForwarder, gateway, proxied];

    console.log(`[proxy] ${QUICK ? "quick: " : ""}${WARMUP_ROUNDS} warm-up + ${ROUNDS} measured calls per path and scenario`);
    const scenarios = [];
    for (const inFlight of [1, CONCURRENT_CALLS]) for (const stream of [false, true]) scenarios.push(await scenario(stream, inFlight, paths));
    // The readiness probe was a call too.
    const proxiedCalls = proxied.calls + 1;

    await new Promise((r) => setTimeout(r, 2000));
    await stopProcess(server);
    const stored = (await countRows(db, ["TracePayload"])).TracePayload;

    const goals = scenarios.map((s) => {
      const ours = s.addedMs.Tracecast.total;
      const peer = s.addedMs["Portkey gateway"].total;
      return { scenario: `${s.stream ? "streamed" : "whole-body"}, ${s.inFlight} in flight`, tracecast: ours, portkey: peer, p50Pass: ours.p50 <= peer.p50, p99Pass: ours.p99 <= peer.p99 };
    });
    for (const g of goals) console.log(`[proxy] goal ${g.scenario}: p50 ${g.p50Pass ? "PASS" : "FAIL"} (${g.tracecast.p50} vs ${g.portkey.p50} ms), p99 ${g.p99Pass ? "PASS" : "FAIL"} (${g.tracecast.p99} vs ${g.portkey.p99} ms)`);
    return {
      server: `scripts/server.mjs (production build), ${databaseLabel(db)}, TRACECAST_DISPATCHER=none`,
      peer: `@portkey-ai/gateway ${JSON.parse(fs.readFileSync(path.join(root, "node_modules/@portkey-ai/gateway/package.json"), "utf8")).version} (headless, NODE_ENV=production, provider openai + x-portkey-custom-host)`,
      upstream: `local node:http OpenAI-compatible upstream (tests/receivers/openai-upstream.ts), ${REPLY.content.length} content deltas, no delays`,
      settings: { quick: QUICK, warmupRounds: WARMUP_ROUNDS, rounds: ROUNDS, concurrentCalls: CONCURRENT_CALLS, loadAverage1m: machine().loadAverage1m },
      scenarios,
      storedCheck: { proxiedCalls, tracesStored: stored, allStored: stored === proxiedCalls },
      goals,
    };
  } finally {
    if (server) await stopProcess(server);
    if (forwarder) await stopProcess(forwarder);
    if (portkey) await stopProcess(portkey);
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

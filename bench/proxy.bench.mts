// Capture-proxy overhead: the same chat-completions request sent straight to a local
// OpenAI-compatible upstream and through Tracecast (`next start`, production build, embedded
// PGlite), alternately, one request at a time, so both paths see the same machine state.
//
// Measured per request, on the client: time to the first response body byte (for a stream: the
// first SSE event) and time to the end of the body. "Added" = proxied − direct, per percentile.
// The upstream answers instantly (no model), so every millisecond of difference is Tracecast's:
// API-key check, upstream lookup, forwarding, relaying and observing the stream. Trace recording
// runs after each answer in the server and is counted in the stored-trace check, not the latency.
//
// Run: `npm run bench -- proxy` or alone: `npx tsx bench/proxy.bench.mts`.
// Env: BENCH_REBUILD=1 runs `next build` even when .next exists (a stale build measures old code);
// BENCH_PROXY_ROUNDS overrides the measured rounds per scenario.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { generateApiKey } from "../lib/api-keys/keys";
import { startOpenAiUpstream, type OpenAiUpstream } from "../tests/receivers/openai-upstream";
import { migrationSql } from "../tests/setup/migrations";

const WARMUP_ROUNDS = 300;
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 2000);
const root = path.resolve(import.meta.dirname, "..");

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

const round2 = (n: number) => Math.round(n * 100) / 100;

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: round2(at(50)), p90: round2(at(90)), p99: round2(at(99)), max: round2(sorted[sorted.length - 1]) };
}

type Path = { label: string; url: string; headers: Record<string, string> };

async function scenario(stream: boolean, direct: Path, proxied: Path) {
  const name = stream ? "streamed" : "non-streamed";
  const samples = { direct: [] as Timing[], proxied: [] as Timing[] };
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    // Alternating order so neither path always runs right after the other's GC or I/O.
    const order = i % 2 ? [direct, proxied] : [proxied, direct];
    for (const p of order) {
      const t = await call(p.url, p.headers, requestBody(stream, i));
      if (t.status !== 200) throw new Error(`${p.label} answered ${t.status} in the ${name} scenario`);
      if (i >= WARMUP_ROUNDS) (p === direct ? samples.direct : samples.proxied).push(t);
    }
  }
  const summary = (ts: Timing[]) => ({ firstByteMs: percentiles(ts.map((t) => t.firstByteMs)), totalMs: percentiles(ts.map((t) => t.totalMs)) });
  const d = summary(samples.direct);
  const p = summary(samples.proxied);
  const added = (key: "firstByteMs" | "totalMs") => ({ p50: round2(p[key].p50 - d[key].p50), p90: round2(p[key].p90 - d[key].p90), p99: round2(p[key].p99 - d[key].p99) });
  const result = { rounds: ROUNDS, direct: d, proxied: p, addedMs: { firstByte: added("firstByteMs"), total: added("totalMs") } };
  console.log(`[proxy] ${name}: added total p50 ${result.addedMs.total.p50} ms, p99 ${result.addedMs.total.p99} ms; added first byte p50 ${result.addedMs.firstByte.p50} ms, p99 ${result.addedMs.firstByte.p99} ms`);
  return result;
}

// ───────────── servers ─────────────

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function ensureBuild(): void {
  if (fs.existsSync(path.join(root, ".next", "BUILD_ID")) && process.env.BENCH_REBUILD !== "1") return;
  console.log("[proxy] next build …");
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("next build failed");
}

/** A migrated embedded database with one workspace, its API key and a default upstream (no provider key). */
async function seedDatabase(dir: string, upstreamUrl: string): Promise<string> {
  const db = new PGlite(dir);
  await db.exec(migrationSql());
  const key = generateApiKey();
  const ws = `bench-ws-${crypto.randomUUID()}`;
  await db.query(`insert into "Workspace" (id, name, kind, "updatedAt") values ($1, 'Bench', 'personal', now())`, [ws]);
  await db.query(`insert into "ApiKey" (id, "workspaceId", name, prefix, hash) values ($1, $2, 'Bench key', $3, $4)`, [`bench-key-${crypto.randomUUID()}`, ws, key.prefix, key.hash]);
  await db.query(`insert into "ProxyUpstream" (id, "workspaceId", name, "baseUrl", "modelPrefix", "updatedAt") values ($1, $2, 'Local upstream', $3, '', now())`, [
    `bench-upstream-${crypto.randomUUID()}`,
    ws,
    upstreamUrl,
  ]);
  await db.close();
  return key.secret;
}

async function countTraces(dir: string): Promise<number> {
  const db = new PGlite(dir);
  const r = await db.query<{ n: number }>(`select count(*)::int as n from "TracePayload"`);
  await db.close();
  return r.rows[0].n;
}

function startNext(port: number, pgliteDir: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: "",
      PGLITE_DIR: pgliteDir,
      TRACECAST_DISPATCHER: "none",
      TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
      AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
      TRACECAST_KEYS: `bench:${crypto.randomBytes(32).toString("base64")}`,
    },
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

export default async function proxyBenchmark() {
  ensureBuild();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-bench-proxy-"));
  const pgliteDir = path.join(work, "pglite");
  let upstream: OpenAiUpstream | undefined;
  let next: ReturnType<typeof startNext> | undefined;
  try {
    upstream = await startOpenAiUpstream();
    upstream.reply = REPLY;
    const apiKey = await seedDatabase(pgliteDir, upstream.url);
    const port = await freePort();
    next = startNext(port, pgliteDir);
    const direct: Path = { label: "direct", url: `${upstream.url}/chat/completions`, headers: {} };
    const proxied: Path = { label: "Tracecast", url: `http://127.0.0.1:${port}/api/v1/chat/completions`, headers: { authorization: `Bearer ${apiKey}` } };

    const deadline = Date.now() + 120_000;
    for (;;) {
      if (next.child.exitCode !== null) throw new Error(`next start exited:\n${next.output()}`);
      const ready = await call(proxied.url, proxied.headers, requestBody(false, 0)).catch(() => undefined);
      if (ready?.status === 200) break;
      if (ready) throw new Error(`readiness probe answered ${ready.status}:\n${next.output()}`);
      if (Date.now() > deadline) throw new Error(`next start did not answer within 120 s:\n${next.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    console.log(`[proxy] ${WARMUP_ROUNDS} warm-up + ${ROUNDS} measured rounds per scenario, one request at a time`);
    const nonStreamed = await scenario(false, direct, proxied);
    const streamed = await scenario(true, direct, proxied);
    const proxiedCalls = 1 + 2 * (WARMUP_ROUNDS + ROUNDS);

    await new Promise((r) => setTimeout(r, 2000));
    await stop(next.child);
    const stored = await countTraces(pgliteDir);

    return {
      server: "next start (production build), embedded PGlite on disk, TRACECAST_DISPATCHER=none",
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
    if (next) await stop(next.child);
    await upstream?.close();
    agent.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Runnable alone as well as through bench/run.mts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await proxyBenchmark(), null, 2));
}

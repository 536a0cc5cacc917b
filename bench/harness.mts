// Shared machinery of the benchmarks (bench/*.bench.mts): the production server on a fresh
// database (embedded PGlite, or a PostgreSQL database created for the run), ports, the open-loop load generator, an OTLP/JSON receiver, percentiles,
// machine details and docs/benchmarks.md sections.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { generateApiKey } from "../lib/api-keys/keys";
import { migrationSql } from "../tests/setup/migrations";

export const root = path.resolve(import.meta.dirname, "..");

/** The machine a result was measured on. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Builds the app unless a build exists; BENCH_REBUILD=1 rebuilds anyway (a stale build measures old code). */
export function ensureBuild(): void {
  if (fs.existsSync(path.join(root, ".next", "BUILD_ID")) && process.env.BENCH_REBUILD !== "1") return;
  console.log("[bench] next build …");
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("next build failed");
}

export function pgliteVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(root, "node_modules/@electric-sql/pglite/package.json"), "utf8")).version;
}

/** Where a benchmark's server keeps its data: an embedded PGlite directory, or a PostgreSQL database. */
export type BenchDatabase = string | { postgresUrl: string };

/** What seed callbacks get: the part of the PGlite and node-postgres clients both have. */
export type SqlClient = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

export async function openSql(db: BenchDatabase): Promise<SqlClient & { exec(sql: string): Promise<unknown>; close(): Promise<void> }> {
  if (typeof db === "string") {
    const pglite = new PGlite(db);
    return { query: (sql, params) => pglite.query(sql, params), exec: (sql) => pglite.exec(sql), close: () => pglite.close() };
  }
  const client = new pg.Client({ connectionString: db.postgresUrl });
  await client.connect();
  return { query: (sql, params) => client.query(sql, params), exec: (sql) => client.query(sql), close: () => client.end() };
}

/**
 * A new, empty PostgreSQL database on the server of `adminUrl` (dropped by the returned function),
 * for running a benchmark on PostgreSQL as well (BENCH_DATABASE_URL).
 */
export async function createPostgresDatabase(adminUrl: string): Promise<{ db: { postgresUrl: string }; drop(): Promise<void> }> {
  const name = `tracecast_bench_${crypto.randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    db: { postgresUrl: url.toString() },
    drop: async () => {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** The database's name in result tables. */
export function databaseLabel(db: BenchDatabase): string {
  return typeof db === "string" ? `embedded PGlite ${pgliteVersion()} (on disk)` : "PostgreSQL (local server, same machine)";
}

/** A fresh, migrated, empty database (for a benchmark that signs up and configures through the API). */
export async function migrateDatabase(target: BenchDatabase): Promise<void> {
  const db = await openSql(target);
  await db.exec(migrationSql());
  await db.close();
}

/**
 * A fresh, migrated database with one workspace and one API key; `extra` adds rows (destinations,
 * upstreams) for that workspace. Returns the API key secret.
 */
export async function seedDatabase(target: BenchDatabase, extra?: (db: SqlClient, workspaceId: string) => Promise<void>): Promise<string> {
  const db = await openSql(target);
  await db.exec(migrationSql());
  const key = generateApiKey();
  const workspaceId = `bench-ws-${crypto.randomUUID()}`;
  await db.query(`insert into "Workspace" (id, name, kind, "updatedAt") values ($1, 'Bench', 'personal', now())`, [workspaceId]);
  await db.query(`insert into "ApiKey" (id, "workspaceId", name, prefix, hash) values ($1, $2, 'Bench key', $3, $4)`, [
    `bench-key-${crypto.randomUUID()}`,
    workspaceId,
    key.prefix,
    key.hash,
  ]);
  await extra?.(db, workspaceId);
  await db.close();
  return key.secret;
}

/** Row counts of the given tables (for PGlite: open only once the server using it has stopped). */
export async function countRows<T extends string>(target: BenchDatabase, tables: T[]): Promise<Record<T, number>> {
  const db = await openSql(target);
  const counts = {} as Record<T, number>;
  for (const t of tables) counts[t] = ((await db.query(`select count(*)::int as n from "${t}"`)).rows[0] as { n: number }).n;
  await db.close();
  return counts;
}

/**
 * A GC pause of a server process as `--trace-gc` prints it: young generation (scavenge) or full
 * (mark-compact), its main-thread pause, and when the bench read the line (performance.now()).
 */
/** A GC pause of a server run with --trace-gc; heapAfterMiB: the JS heap's size after it (V8 prints MB of 2^20 bytes). */
export type GcPause = { at: number; kind: "young" | "full"; ms: number; heapAfterMiB: number };

export type ServerProcess = { child: ChildProcess; output: () => string; gcPauses: GcPause[] };

type Env = Record<string, string | undefined>;

// "[pid:isolate]   29444 ms: Scavenge 109.5 (131.1) -> 96.7 (131.1) MB, 0.88 / 0.01 ms  (average mu …"
const TRACE_GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: (Scavenge|Minor Mark-Sweep|Mark-Compact)\b.*?-> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;

/**
 * Runs node with `args`. With `--trace-gc` among them, GC lines go to `gcPauses` (cluster workers
 * inherit the flag, so theirs too) instead of the output kept for error messages.
 */
export function startProcess(args: string[], env: Env): ServerProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const gcPauses: GcPause[] = [];
  const keepLines = (stream: NodeJS.ReadableStream) => {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop()!;
      const at = performance.now();
      for (const line of lines) {
        const gc = TRACE_GC_LINE.exec(line);
        if (gc) gcPauses.push({ at, kind: gc[1] === "Mark-Compact" ? "full" : "young", ms: Number(gc[3]), heapAfterMiB: Number(gc[2]) });
        else {
          output = (output + line + "\n").slice(-20_000);
          // For development: the servers' whole output, timestamped (e.g. with TRACECAST_SLOW_STATEMENT_MS).
          if (process.env.BENCH_SERVER_LOG) fs.appendFileSync(process.env.BENCH_SERVER_LOG, `${new Date().toISOString()} ${line}\n`);
        }
      }
    });
  };
  keepLines(child.stdout!);
  keepLines(child.stderr!);
  return { child, output: () => output, gcPauses };
}

/** The GC pauses of `server` between two performance.now() readings: counts, median and longest, and the share of the time paused. */
export function gcDuring(server: ServerProcess, from: number, to: number) {
  const pauses = server.gcPauses.filter((p) => p.at >= from && p.at <= to);
  const young = pauses.filter((p) => p.kind === "young").map((p) => p.ms);
  const full = pauses.filter((p) => p.kind === "full").map((p) => p.ms);
  const total = pauses.reduce((sum, p) => sum + p.ms, 0);
  return {
    young: { count: young.length, medianMs: young.length ? percentiles(young).p50 : 0, maxMs: young.length ? Math.max(...young) : 0 },
    full: { count: full.length, maxMs: full.length ? Math.max(...full) : 0 },
    pausedPercent: round2((100 * total) / (to - from)),
  };
}

/** CPU time counters of the whole machine (Linux /proc/stat, in ticks); undefined elsewhere. */
export function cpuTimes(): { steal: number; total: number } | undefined {
  try {
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal: fields[7], total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * The share of CPU time the hypervisor gave to other guests between two cpuTimes() readings, in
 * percent: time this machine's vCPUs wanted to run and could not. Shows how noisy a phase was.
 */
export function stealPercent(from: ReturnType<typeof cpuTimes>, to: ReturnType<typeof cpuTimes>): number | undefined {
  if (!from || !to || to.total === from.total) return undefined;
  return round2((100 * (to.steal - from.steal)) / (to.total - from.total));
}

/**
 * The production server (scripts/server.mjs: `npm start`, production build) on 127.0.0.1:`port` on
 * `db`, delivery off (TRACECAST_DISPATCHER=none: benchmarks measure the request path) and throwaway keys;
 * its GC pauses are recorded (gcPauses).
 */
export function startAppServer(port: number, db: BenchDatabase, env: Env = {}, nodeArgs: string[] = []): ServerProcess {
  return startProcess(["--trace-gc", ...nodeArgs, path.join(root, "scripts/server.mjs"), "-H", "127.0.0.1", "-p", String(port)], {
    ...process.env,
    NODE_ENV: "production",
    ...(typeof db === "string" ? { DATABASE_URL: "", PGLITE_DIR: db } : { DATABASE_URL: db.postgresUrl }),
    TRACECAST_DISPATCHER: "none",
    AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
    TRACECAST_KEYS: `bench:${crypto.randomBytes(32).toString("base64")}`,
    ...env,
  });
}

export async function stopProcess(server: ServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

/** A server under test and the URL the load generator posts to. */
export type Server = ServerProcess & { url: string };

const STARTUP_TIMEOUT_MS = 120_000;

/**
 * Waits for the first 202 to `probeBody`. The probe may take long (the first request compiles and
 * connects), so it is never abandoned.
 */
export async function waitUntilAnswering(server: Server, headers: Record<string, string>, probeBody: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`server exited (${server.child.exitCode}):\n${server.output()}`);
    try {
      const r = await send(server.url, headers, probeBody, STARTUP_TIMEOUT_MS);
      if (r.status === 202) return;
      throw new Error(`readiness probe answered ${r.status}: ${r.body}`);
    } catch (err) {
      if (!/ECONNREFUSED|ECONNRESET|socket hang up/.test(String(err))) throw err;
    }
    if (Date.now() > deadline) throw new Error(`server did not answer within ${STARTUP_TIMEOUT_MS / 1000} s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ───────────── the server process, from /proc (Linux) ─────────────

export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return kb ? round2(Number(kb) / 1024) : Number.NaN;
}

/** User + system CPU seconds used so far (fields 14 and 15 of /proc/<pid>/stat, in 10 ms clock ticks). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces: count from the ")" that closes it; field 3 is index 0.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ───────────── load generator ─────────────

/** Keep-alive sockets of the load generator: enough that an open-loop phase is never held back by the pool. Destroy it when done. */
export const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 512 });

const REQUEST_TIMEOUT_MS = 10_000;

/** One POST; `timeoutMs` bounds the whole exchange, including time spent waiting for a socket. */
export function send(url: string, headers: Record<string, string>, body: string | Uint8Array, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: loadAgent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
      });
      res.on("error", reject);
    });
    const timer = setTimeout(() => req.destroy(new Error("request timed out")), timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

/** Latencies and answers of one load phase (statuses keyed by HTTP status, or "error: …"). */
export type Sample = { latenciesMs: number[]; statuses: Record<string, number>; elapsedMs: number };

export function record(sample: Sample, status: string, latencyMs: number) {
  sample.latenciesMs.push(latencyMs);
  sample.statuses[status] = (sample.statuses[status] ?? 0) + 1;
}

/** `accepted`: requests answered 2xx (202 from the JSON API, 200 from the OTLP receiver). */
export function summarize(s: Sample) {
  const accepted = Object.entries(s.statuses).reduce((n, [status, count]) => (/^2\d\d$/.test(status) ? n + count : n), 0);
  return {
    requests: s.latenciesMs.length,
    accepted,
    statuses: s.statuses,
    seconds: round2(s.elapsedMs / 1000),
    tracesPerSec: Math.round(accepted / (s.elapsedMs / 1000)),
    latencyMs: percentiles(s.latenciesMs),
  };
}

/**
 * Open loop: request i is due at start + i / ratePerSec whatever the server does, and its latency
 * is counted from that scheduled time, so a stalled server cannot hide its queueing delay (no
 * coordinated omission). `onSend(i, at)` is told the performance.now() at which request i left,
 * `onAnswer(i, status)` how it ended (the status as counted in the sample).
 */
export async function fixedRate(
  url: string,
  headers: Record<string, string>,
  opts: {
    ratePerSec: number;
    seconds: number;
    body: (i: number) => string | Uint8Array;
    onSend?: (i: number, at: number) => void;
    onAnswer?: (i: number, status: string) => void;
  },
): Promise<Sample> {
  const sample: Sample = { latenciesMs: [], statuses: {}, elapsedMs: 0 };
  const total = Math.round(opts.ratePerSec * opts.seconds);
  const interval = 1000 / opts.ratePerSec;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = started + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = opts.body(i);
    opts.onSend?.(i, performance.now());
    const answered = (status: string) => {
      record(sample, status, performance.now() - scheduled);
      opts.onAnswer?.(i, status);
    };
    inFlight.push(
      send(url, headers, body).then(
        (r) => answered(String(r.status)),
        (err) => answered(`error: ${(err as Error).message}`),
      ),
    );
  }
  await Promise.all(inFlight);
  sample.elapsedMs = performance.now() - started;
  return sample;
}

// ───────────── receiver ─────────────

/**
 * A node:http server on 127.0.0.1 (any path) that hands each request's whole body to `onBody`, with
 * when it was complete (performance.now()), to answer on `res`.
 */
export async function startBodyReceiver(onBody: (body: Buffer, at: number, res: http.ServerResponse, req: http.IncomingMessage) => void) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => onBody(Buffer.concat(chunks), performance.now(), res, req));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An OTLP/JSON receiver on 127.0.0.1, any path: what the webhook destination sends, and the
 * OpenTelemetry Collector destination with its default encoding. Counts each trace by the
 * `tracecast.generation.id` attribute of its generation span (the trace's own id: the caller's `id`),
 * notes when each trace first arrived (performance.now() once the request body was complete) and
 * how many traces and spans each accepted request carried. While down (`setUp(false)`) it answers 503.
 */
export async function startOtlpJsonReceiver() {
  const received = new Map<string, number>();
  const firstArrivalAt = new Map<string, number>();
  /** Per accepted request: traces (generation spans) and spans it carried. */
  const batches: { traces: number; spans: number }[] = [];
  let up = true;
  let requests = 0;
  const receiver = await startBodyReceiver((body, at, res) => {
    requests++;
    if (!up) {
      res.writeHead(503).end("down for maintenance");
      return;
    }
    type Span = { attributes?: { key: string; value: { stringValue?: string } }[] };
    const otlp = JSON.parse(body.toString("utf8")) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
    let traces = 0;
    let spans = 0;
    for (const rs of otlp.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          spans++;
          const id = span.attributes?.find((a) => a.key === "tracecast.generation.id")?.value.stringValue;
          if (!id) continue;
          traces++;
          received.set(id, (received.get(id) ?? 0) + 1);
          if (!firstArrivalAt.has(id)) firstArrivalAt.set(id, at);
        }
    batches.push({ traces, spans });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  return {
    /** Base URL (append any path). */
    url: receiver.url,
    /** Trace id → how many times it arrived (more than once = a duplicate delivery). */
    received,
    firstArrivalAt,
    batches,
    /** Requests received, 503s included. */
    requests: () => requests,
    setUp: (value: boolean) => (up = value),
    close: receiver.close,
  };
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** Nearest-rank percentiles of `values`, rounded to 0.01. */
export function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: round2(at(50)), p90: round2(at(90)), p95: round2(at(95)), p99: round2(at(99)), max: round2(sorted[sorted.length - 1]) };
}

/** Replaces the section headed `heading` ("## Ingest") of docs/benchmarks.md, or appends it; other sections stay. */
export function writeBenchmarksSection(heading: string, lines: string[]): void {
  const file = path.join(root, "docs/benchmarks.md");
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const section = [heading, ...lines].join("\n").replace(/\n*$/, "\n");
  const start = existing.indexOf(`${heading}\n`);
  let updated: string;
  if (start === -1) {
    updated = `${existing.replace(/\n*$/, "\n\n")}${section}`;
  } else {
    const after = existing.indexOf("\n## ", start + heading.length);
    updated = `${existing.slice(0, start)}${section}${after === -1 ? "" : existing.slice(after)}`;
  }
  fs.writeFileSync(file, updated);
}

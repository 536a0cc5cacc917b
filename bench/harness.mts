// Shared machinery of the benchmarks (bench/*.bench.mts): the production server on a fresh
// embedded database, ports, percentiles, machine details and docs/benchmarks.md sections.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
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

/**
 * A fresh, migrated embedded database in `dir` with one workspace and one API key; `extra` adds
 * rows (destinations, upstreams) for that workspace. Returns the API key secret.
 */
export async function seedDatabase(dir: string, extra?: (db: PGlite, workspaceId: string) => Promise<void>): Promise<string> {
  const db = new PGlite(dir);
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

/** Row counts of the given tables (open only once the server using `dir` has stopped). */
export async function countRows<T extends string>(dir: string, tables: T[]): Promise<Record<T, number>> {
  const db = new PGlite(dir);
  const counts = {} as Record<T, number>;
  for (const t of tables) counts[t] = (await db.query<{ n: number }>(`select count(*)::int as n from "${t}"`)).rows[0].n;
  await db.close();
  return counts;
}

export type ServerProcess = { child: ChildProcess; output: () => string };

type Env = Record<string, string | undefined>;

export function startProcess(args: string[], env: Env): ServerProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

/**
 * `next start` (production build) on 127.0.0.1:`port` with the embedded database in `pgliteDir`,
 * delivery off (TRACECAST_DISPATCHER=none: benchmarks measure the request path) and throwaway keys.
 */
export function startNextServer(port: number, pgliteDir: string, env: Env = {}): ServerProcess {
  return startProcess([path.join(root, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: "",
    PGLITE_DIR: pgliteDir,
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

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** Nearest-rank percentiles of `values`, rounded to 0.01. */
export function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: round2(at(50)), p90: round2(at(90)), p99: round2(at(99)), max: round2(sorted[sorted.length - 1]) };
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

// The production server (scripts/server.mjs) as an operator runs it, in a second instance on its
// own port and fresh database (scripts/e2e-server.sh, like the server the other specs use): the hot
// API routes are answered by its node:http listener, pages by Next.js behind it, and a SIGTERM stops
// it cleanly with every accepted trace stored.
import { execFileSync, spawn, type ChildProcess, type ChildProcessByStdio } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { startRecorder } from "../tests/receivers/recorder";

/**
 * The child's exit status once it has exited, waiting at most `ms`: a server that does not stop
 * fails the test with its output (it is killed in the test's `finally`), instead of the test
 * waiting out its own timeout.
 */
function exitWithin(child: ChildProcess, ms: number, output: () => string = () => ""): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not exit within ${ms} ms; its output:\n${output().slice(-4000)}`)), ms);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A second production server on `port` and a fresh database of its own (scripts/e2e-server.sh), its output piped here. */
function startE2eServer(
  port: number,
  env: Record<string, string> = {},
): { server: ChildProcessByStdio<null, Readable, Readable>; base: string; output: () => string } {
  const server = spawn("bash", ["scripts/e2e-server.sh"], { env: { ...process.env, ...env, E2E_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { server, base: `http://127.0.0.1:${port}`, output: () => output };
}

test("serves ingestion and pages, and stops on SIGTERM with the accepted traces stored", async ({ request }) => {
  test.setTimeout(180_000);
  const port = Number(process.env.E2E_PORT ?? 3100) + 57;
  // A short bound for the direct routes' handover: the server must outlive it once they arrived.
  const { server, base, output } = startE2eServer(port, { TRACECAST_STARTUP_TIMEOUT_MS: "5000" });
  try {
    await expect.poll(output, { timeout: 150_000, intervals: [500] }).toContain(`Tracecast listening on ${base}`);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(server.exitCode, output()).toBeNull();
    const apiKey = /API key "Demo app" \(shown only now\): (\S+)/.exec(output())?.[1];
    expect(apiKey, output()).toBeDefined();

    const trace = {
      model: "openai/gpt-4o-mini",
      request: { messages: [{ role: "user", content: "Hello from the production server test" }] },
      timing: { start: "2026-11-27T04:00:00.000Z", end: "2026-11-27T04:00:00.400Z" },
    };
    const accepted = await request.post(`${base}/api/v1/traces`, { headers: { authorization: `Bearer ${apiKey}` }, data: { traces: [trace, trace] } });
    expect(accepted.status()).toBe(202);
    const { ids } = (await accepted.json()) as { ids: string[] };
    expect(ids).toHaveLength(2);

    const refused = await request.post(`${base}/api/v1/traces`, { data: trace });
    expect(refused.status()).toBe(401);
    expect((await refused.json()).error.code).toBe("unauthorized");

    // Everything else is Next.js's: a page, and a method the route does not export.
    const page = await request.get(`${base}/sign-in`);
    expect(page.status()).toBe(200);
    expect(await page.text()).toContain("<html");
    expect((await request.get(`${base}/api/v1/traces`)).status()).toBe(405);

    server.kill("SIGTERM");
    expect(await exitWithin(server, 20_000, output)).toBe(0);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  }

  // The database is free again once the server has exited (a PGlite directory admits one opener).
  const db = new PGlite(path.resolve(`.data/e2e/${port}`));
  try {
    const stored = await db.query<{ n: number }>(`select count(*)::int as n from "TracePayload" where data->'request'->'messages'->0->>'content' = $1`, [
      "Hello from the production server test",
    ]);
    expect(stored.rows[0].n).toBe(2);
  } finally {
    await db.close();
  }
});

/**
 * The PostgreSQL server of the test run, started if it is not up yet (scripts/postgres.sh returns at
 * once when it is; scripts/test-all.sh has installed and started it before the e2e step).
 */
function startPostgres(): string {
  const port = process.env.PGPORT ?? "54329";
  execFileSync("bash", ["scripts/postgres.sh", "start"], { env: { ...process.env, PGPORT: port }, stdio: "pipe" });
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}

/** One POST on a connection of its own, so the primary hands each to a worker in turn. */
function postOnNewConnection(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: false, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Child processes of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return /^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("runs several processes on PostgreSQL (TRACECAST_WORKERS): they share the port and the outbox, each trace delivered once, a dead one is replaced, and they stop together", async () => {
  test.setTimeout(240_000);
  const postgresAdminUrl = startPostgres();
  const database = `tracecast_e2e_workers_${crypto.randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${database}`;
  const env = {
    ...process.env,
    DATABASE_URL: url.toString(),
    DOTENV_CONFIG_PATH: "/dev/null",
    AUTH_SECRET: crypto.randomBytes(32).toString("base64"),
    TRACECAST_KEYS: `e2e:${crypto.randomBytes(32).toString("base64")}`,
    TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
    TRACECAST_WORKERS: "2",
  };
  const receiver = await startRecorder();
  const db = new pg.Client({ connectionString: url.toString() });
  const port = Number(process.env.E2E_PORT ?? 3100) + 58;
  let server: ReturnType<typeof spawn> | undefined;
  try {
    execFileSync("npm", ["run", "--silent", "db:deploy"], { env, stdio: "pipe" });
    const seeded = execFileSync("npm", ["run", "--silent", "db:seed"], { env, encoding: "utf8" });
    const apiKey = /API key "Demo app" \(shown only now\): (\S+)/.exec(seeded)?.[1];
    expect(apiKey, seeded).toBeDefined();
    await db.connect();
    const { rows } = await db.query<{ workspaceId: string }>(`select "workspaceId" from "ApiKey" where name = 'Demo app'`);
    // The only active destination of the workspace: the seed's demo destinations are set aside.
    await db.query(`update "Destination" set enabled = false where "workspaceId" = $1`, [rows[0].workspaceId]);
    await db.query(`insert into "Destination" (id, "workspaceId", type, name, config, "updatedAt") values ($1, $2, 'webhook', 'Workers e2e', $3, now())`, [
      `dst-workers-${crypto.randomUUID()}`,
      rows[0].workspaceId,
      JSON.stringify({ url: `${receiver.url}/hook` }),
    ]);

    server = spawn(process.execPath, ["scripts/server.mjs", "-H", "127.0.0.1", "-p", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const listening = () => [...output.matchAll(/Tracecast listening on \S+ \(server process (\d+), one of 2\)/g)].map((m) => Number(m[1]));
    await expect.poll(() => listening().length, { timeout: 180_000, intervals: [500] }).toBe(2);
    expect(childrenOf(server.pid!).sort()).toEqual(listening().sort());

    const ids: string[] = [];
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const trace = {
          model: "openai/gpt-4o-mini",
          request: { messages: [{ role: "user", content: `Hello from worker test ${ids.length}` }] },
          timing: { start: "2026-11-27T04:00:00.000Z", end: "2026-11-27T04:00:00.400Z" },
        };
        const answer = await postOnNewConnection(`http://127.0.0.1:${port}/api/v1/traces`, { authorization: `Bearer ${apiKey}` }, JSON.stringify(trace));
        expect(answer.status, answer.body).toBe(202);
        ids.push(...(JSON.parse(answer.body) as { ids: string[] }).ids);
      }
    };
    await send(20);

    // A worker that dies once serving is replaced, and the port keeps answering.
    process.kill(listening()[0], "SIGKILL");
    await expect.poll(() => listening().length, { timeout: 120_000, intervals: [500] }).toBe(3);
    expect(output).toMatch(/server worker \d+ exited \(SIGKILL\); starting another/);
    await send(10);
    const workerPids = childrenOf(server.pid!);
    expect(workerPids.sort()).toEqual(listening().slice(1).sort());

    // Both processes' inline dispatchers drain the same destination; the outbox's leases give each
    // trace to one of them.
    const delivered = () =>
      receiver.requests.flatMap((r) =>
        (r.json() as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] }).resourceSpans
          .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
          .flatMap((span) => span.attributes.filter((a) => a.key === "tracecast.generation.id").map((a) => a.value.stringValue)),
      );
    await expect.poll(() => new Set(delivered()).size, { timeout: 60_000 }).toBe(ids.length);
    expect(delivered().sort()).toEqual([...ids].sort());

    server.kill("SIGTERM");
    expect(await exitWithin(server, 30_000, () => output)).toBe(0);
    expect(workerPids.filter((pid) => fs.existsSync(`/proc/${pid}`))).toEqual([]);
    const stored = await db.query<{ n: number }>(`select count(*)::int as n from "TracePayload" where id = any($1)`, [ids]);
    expect(stored.rows[0].n).toBe(ids.length);
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    await db.end().catch(() => {});
    await receiver.close();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
});

/** Runs scripts/server.mjs to its end (at most 90 s: one that starts instead fails the test); its exit status and output. */
async function runToExit(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const server = spawn(process.execPath, ["scripts/server.mjs", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    const code = await exitWithin(server, 90_000, () => output);
    return { code, output };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  }
}

test("exits with status 1 and the reason when it cannot start: a port in use, no key ring, workers that die before listening", async () => {
  test.setTimeout(180_000);
  // The suite's own server holds this port.
  const busy = ["-H", "127.0.0.1", "-p", String(process.env.E2E_PORT ?? 3100)];
  const base = { DATABASE_URL: "", PGLITE_DIR: "memory://", AUTH_SECRET: "x".repeat(44), TRACECAST_KEYS: `e2e:${crypto.randomBytes(32).toString("base64")}` };

  const portInUse = await runToExit(busy, base);
  expect(portInUse.code, portInUse.output).toBe(1);
  expect(portInUse.output).toContain(`Tracecast did not start: cannot listen on 127.0.0.1:${process.env.E2E_PORT ?? 3100}: listen EADDRINUSE`);

  // Next.js alone would log the instrumentation error and serve on without the direct routes.
  const noKeys = await runToExit(["-H", "127.0.0.1", "-p", "0"], { ...base, TRACECAST_KEYS: undefined });
  expect(noKeys.code, noKeys.output).toBe(1);
  expect(noKeys.output).toContain("Tracecast did not start: startup failed:");
  expect(noKeys.output).toContain("TRACECAST_KEYS");

  // Several processes: a worker that dies before it listens would die again, so the primary stops.
  const workers = await runToExit(busy, { ...base, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/unused", TRACECAST_WORKERS: "2" });
  expect(workers.code, workers.output).toBe(1);
  expect(workers.output).toMatch(/server worker \d+ exited while starting \(1\); stopping/);
  expect(workers.output).not.toContain("Tracecast listening");
});

/** CPU time the process (all its threads) has used, in clock ticks (/proc/<pid>/stat utime + stime). */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

test("keeps serving, without spinning, when its log pipes break, and still stops on SIGTERM", async ({ request }) => {
  test.setTimeout(240_000);
  const { server, base, output } = startE2eServer(Number(process.env.E2E_PORT ?? 3100) + 59);
  try {
    await expect.poll(output, { timeout: 150_000, intervals: [500] }).toContain(`Tracecast listening on ${base}`);
    // The reader of its stdout and stderr goes away, as when the process that started it dies.
    server.stdout.destroy();
    server.stderr.destroy();
    // Each of these makes the server log an error (Auth.js: a session cookie it cannot decrypt).
    for (let i = 0; i < 5; i++) {
      const session = await request.get(`${base}/api/auth/session`, { headers: { cookie: "authjs.session-token=not-a-token" }, timeout: 15_000 });
      expect(session.status()).toBe(200);
    }
    // Idle again, it uses next to no CPU (a server writing its errors about a broken pipe to that
    // same pipe uses a whole core). Polled: a server fresh from starting is busy for a while.
    await expect
      .poll(
        async () => {
          const before = cpuTicks(server.pid!);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          return cpuTicks(server.pid!) - before;
        },
        { timeout: 90_000, intervals: [0] },
      )
      .toBeLessThan(10);
    expect((await request.get(`${base}/sign-in`, { timeout: 15_000 })).status()).toBe(200);

    server.kill("SIGTERM");
    expect(await exitWithin(server, 20_000)).toBe(0);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  }
});

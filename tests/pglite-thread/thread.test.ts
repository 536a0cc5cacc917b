// lib/pglite-thread: the embedded database on its own thread, reached by node-postgres over the
// wire protocol. Each test starts its own thread (independent of the database this run uses).
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { databaseUrl } from "@/lib/db-location";
import { startPgliteThread, type PgliteThread } from "@/lib/pglite-thread";

const threads: PgliteThread[] = [];
const dirs: string[] = [];

function start(dataDir = "memory://"): PgliteThread {
  const thread = startPgliteThread({ dataDir });
  threads.push(thread);
  return thread;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-pglite-thread-"));
  dirs.push(dir);
  return dir;
}

async function client(thread: PgliteThread): Promise<pg.Client> {
  const connection = new pg.Client({ stream: () => thread.connect(), user: "postgres", database: "postgres" });
  await connection.connect();
  return connection;
}

afterEach(async () => {
  await Promise.all(threads.splice(0).map((thread) => thread.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the embedded database's thread", () => {
  it("keeps nothing of the answers it has sent: reading results many times its heap's size leaves it running", async () => {
    // A thread whose JavaScript heap may not pass 48 MiB reads ~150 MiB of answers (600 × 250 KB).
    // PGlite's own query API kept every row it parsed; through it, the thread ran out of memory.
    const thread = startPgliteThread({ dataDir: "memory://", resourceLimits: { maxOldGenerationSizeMb: 48 } });
    threads.push(thread);
    const db = await client(thread);
    await db.query("CREATE TABLE t (id int PRIMARY KEY, body text)");
    await db.query("INSERT INTO t SELECT i, repeat('x', 2500) FROM generate_series(1, 100) i");
    for (let i = 0; i < 600; i++) {
      const { rows } = await db.query({ name: "read_t", text: "SELECT id, body FROM t WHERE id > $1", values: [0] });
      expect(rows).toHaveLength(100);
    }
    await db.end();
  });

  it("answers queries, errors and transactions as a PostgreSQL server would", async () => {
    const db = await client(start());
    await db.query("CREATE TABLE t (id int PRIMARY KEY, body jsonb)");
    await db.query({ name: "insert_t", text: "INSERT INTO t VALUES ($1, $2)", values: [1, JSON.stringify({ a: "x" })] });
    await expect(db.query({ name: "insert_t", text: "INSERT INTO t VALUES ($1, $2)", values: [1, "{}"] })).rejects.toMatchObject({ code: "23505" });
    await db.query("BEGIN");
    await db.query({ name: "insert_t", text: "INSERT INTO t VALUES ($1, $2)", values: [2, "{}"] });
    await db.query("ROLLBACK");
    expect((await db.query("SELECT id, body FROM t")).rows).toEqual([{ id: 1, body: { a: "x" } }]);
    await db.end();
  });

  it("delivers an answer of several megabytes whole", async () => {
    const db = await client(start());
    const { rows } = await db.query<{ text: string }>("SELECT string_agg(md5(i::text), '') AS text FROM generate_series(1, 200000) AS i");
    expect(rows[0].text).toHaveLength(200_000 * 32);
    expect(rows[0].text.slice(0, 32)).toBe("c4ca4238a0b923820dcc509a6f75849b"); // md5("1")
    await db.end();
  });

  it("starts each connection from a clean session, as a new backend would", async () => {
    const thread = start();
    const first = await client(thread);
    await first.query("CREATE TABLE t (id int)");
    await first.query({ name: "count_t", text: "SELECT count(*)::int AS n FROM t", values: [] });
    await first.query("SET application_name = 'first'");
    await first.query("BEGIN");
    await first.query("INSERT INTO t VALUES (1)");
    first.on("error", () => {}); // the client reports its connection lost
    // Gone without COMMIT or Terminate, like a client whose process died.
    first.connection.stream.destroy();

    const second = await client(thread);
    // The open transaction was rolled back, and the statement name is free for this connection.
    expect((await second.query({ name: "count_t", text: "SELECT count(*)::int AS n FROM t", values: [] })).rows).toEqual([{ n: 0 }]);
    expect((await second.query("SHOW application_name")).rows).toEqual([{ application_name: "" }]);
    await second.end();
  });

  it("fails the connection when the database cannot be opened, and opens it on a later connect once it can", async () => {
    const parent = tempDir();
    const dataDir = path.join(parent, "blocked", "db");
    fs.writeFileSync(path.join(parent, "blocked"), "a file where the directory should be");
    const thread = start(dataDir);
    await expect(client(thread)).rejects.toThrow(/Connection terminated/);

    fs.rmSync(path.join(parent, "blocked"));
    fs.mkdirSync(path.join(parent, "blocked"));
    const db = await client(thread);
    expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await db.end();
  });

  it("keeps what was written on disk through close and reopen", async () => {
    const dataDir = tempDir();
    const thread = start(dataDir);
    const db = await client(thread);
    await db.query("CREATE TABLE kept AS SELECT 42 AS answer");
    await db.end();
    await thread.close();

    const reopened = await client(thread);
    expect((await reopened.query("SELECT answer FROM kept")).rows).toEqual([{ answer: 42 }]);
    await reopened.end();
  });

  it("lets a script that closed the database end by itself, after the close", async () => {
    // The thread does not keep a process alive, but a close in progress must (prisma/seed.mts
    // ended with status 13, "unsettled top-level await", while its close waited for the thread).
    const dataDir = tempDir();
    const script = path.join(import.meta.dirname, "fixtures", "query-and-close.mts");
    for (let run = 1; run <= 2; run++) {
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, dataDir]);
      expect(stdout.trim()).toBe("closed");
    }
    const db = await client(start(dataDir));
    expect((await db.query("SELECT count(*)::int AS runs FROM runs")).rows).toEqual([{ runs: 2 }]);
    await db.end();
  });

  it("sizes PGlite's page cache by sharedBuffers; the app's connection defaults to 32MB (TRACECAST_PGLITE_SHARED_BUFFERS)", async () => {
    const thread = startPgliteThread({ dataDir: "memory://", sharedBuffers: "16MB" });
    threads.push(thread);
    const db = await client(thread);
    expect((await db.query("SHOW shared_buffers")).rows).toEqual([{ shared_buffers: "16MB" }]);
    await db.end();
    const [app] = await prisma.$queryRaw<{ shared_buffers: string }[]>`SHOW shared_buffers`;
    // PostgreSQL's own setting on a server the tests did not start; the embedded database's ours.
    if (!databaseUrl()) expect(app.shared_buffers).toBe("32MB");
  });

  it("logs the statements that held the database longer than slowStatementMs, with their SQL", async () => {
    const script = path.join(import.meta.dirname, "fixtures", "slow-statements.mts");
    const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", script]);
    const lines = stderr.split("\n").filter((line) => line.includes("slow statement"));
    expect(lines.map((line) => line.replace(/\(\d+ ms\)/, "(N ms)"))).toEqual([
      "[pglite-thread] slow statement (N ms): SELECT pg_sleep(0.3), 'slow simple'",
      "[pglite-thread] slow statement (N ms): SELECT pg_sleep($1), 'slow named'",
      "[pglite-thread] slow statement (N ms): SELECT sleepy_inside() AS slow_function",
    ]);
    for (const line of lines) expect(Number(/\((\d+) ms\)/.exec(line)![1])).toBeGreaterThanOrEqual(290);
    expect(stderr).not.toContain("plan:");
  });

  it("logs the plans of slow statements too with slowStatementPlans, a function's own statements included (TRACECAST_SLOW_STATEMENT_PLANS)", async () => {
    const script = path.join(import.meta.dirname, "fixtures", "slow-statements.mts");
    const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, "plans"]);
    const plans = stderr.split("[pglite-thread] ").filter((entry) => entry.startsWith("duration:"));
    // The three slow statements, and the statement inside the function: each with its text and plan.
    expect(plans).toHaveLength(4);
    expect(plans.some((plan) => plan.includes("Query Text: SELECT pg_sleep(0.3), 'slow simple'") && plan.includes("Result"))).toBe(true);
    expect(plans.some((plan) => /Query Text: +SELECT 1 FROM pg_sleep\(0\.3\)/.test(plan) && plan.includes("Function Scan on pg_sleep"))).toBe(true);
    expect(plans.some((plan) => plan.includes("SELECT pg_sleep(0.3), 'fast simple'"))).toBe(false);
  });

  it("comes up when the process was started from another directory (TRACECAST_PROJECT_DIR, set by scripts/server.mjs)", async () => {
    const project = path.resolve(import.meta.dirname, "../..");
    const script = path.join(import.meta.dirname, "fixtures", "query-and-close.mts");
    const elsewhere = tempDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, script, path.join(elsewhere, "db")],
      { cwd: elsewhere, env: { ...process.env, TRACECAST_PROJECT_DIR: project, TSX_TSCONFIG_PATH: path.join(project, "tsconfig.json") } },
    );
    expect(stdout.trim()).toBe("closed");
  });
});

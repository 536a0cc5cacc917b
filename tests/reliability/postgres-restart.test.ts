// PostgreSQL restart during ingest (docs/reliability.md, "Crash and restart"). A private PostgreSQL
// cluster (scripts/postgres.sh on a free port, in a temporary directory, so the shared test cluster
// is untouched) backs the app's client (lib/db) for this file. Concurrent senders POST one trace
// each through the real POST /api/v1/traces handler while the server is stopped and started again.
// During the outage every answer is a 503 `database_unavailable` with Retry-After (never a 500,
// never slower than a bound); after the restart the same client's pool reconnects and answers 202
// again; and every trace that was answered 202 is stored, with its outbox row.
// Runs once per CI run, in the PostgreSQL phase (TEST_DATABASE_URL set), where the server binaries are.
process.env.TRACECAST_INGEST_RATE_PER_SEC = "100000";
process.env.TRACECAST_INGEST_BURST = "100000";

import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { NextRequest } from "next/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/v1/traces/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { closeDatabase, prisma } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db-client";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { freePort } from "../support/delivery";
import { migrationSql } from "../setup/migrations";

const run = promisify(execFile);

/** Concurrent senders, each POSTing one trace and waiting for the answer before the next. */
const SENDERS = 4;
/** How long the server stays down while the senders keep sending. */
const OUTAGE_MS = 3_000;
/** How long the senders go on after the first 202 that follows the restart. */
const AFTER_RECOVERY_MS = 1_500;
/** How long queries are watched after a server process is killed. */
const CRASH_WATCH_MS = 3_000;
/** No answer may take longer than this (the pool's connect timeout is 10 s). */
const MAX_ANSWER_MS = 10_000;

const serverBinaries = fs.existsSync("/usr/lib/postgresql") && fs.readdirSync("/usr/lib/postgresql").some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
const skipReason = !process.env.TEST_DATABASE_URL
  ? "runs in the PostgreSQL phase only (TEST_DATABASE_URL is unset)"
  : !serverBinaries
    ? "PostgreSQL server binaries not found (apt-get install postgresql)"
    : undefined;

if (skipReason) console.info(`[postgres-restart] skipped: ${skipReason}`);

type Answer = { id: string; status: number; code?: string; retryAfter: string | null; startedAt: number; endedAt: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: { env: NodeJS.ProcessEnv; dir: string } | undefined;
const postgres = (command: "start" | "stop") => run("bash", ["scripts/postgres.sh", command], { env: cluster!.env });

beforeAll(async () => {
  if (skipReason) return;
  const port = await freePort();
  // Not under a mkdtemp directory: the server runs as the postgres user, who could not enter it.
  const dir = path.join(os.tmpdir(), `tracecast-pg-restart-${crypto.randomBytes(6).toString("hex")}`);
  cluster = { dir, env: { ...process.env, PGPORT: String(port), PGDATA_DIR: dir } };
  await postgres("start");
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(migrationSql());
  await admin.end();
  // lib/db opens its client on first use: from here on the app in this file uses the private cluster.
  process.env.DATABASE_URL = url;
}, 60_000);

afterAll(async () => {
  if (!cluster) return;
  await closeDatabase();
  await postgres("stop");
  fs.rmSync(cluster.dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)(`PostgreSQL restart during ingest${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("answers 503 database_unavailable with Retry-After while the server is down, 202 again after it restarts, and stores every trace answered 202", async () => {
    const workspace = await prisma.workspace.create({ data: { name: "Restart", kind: "organization" } });
    await prisma.destination.create({ data: { workspaceId: workspace.id, type: "webhook", name: "Outbox", config: { url: "http://127.0.0.1:9/" } } });
    const { secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: "Load", actor: null }));

    // defineRoute logs one line per 503; keep them to count and check rather than flood the output.
    const warned: string[] = [];
    const warnings = vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warned.push(String(line)));
    const answers: Answer[] = [];
    let sent = 0;
    let stopSending = false;
    const send = async (): Promise<void> => {
      const id = `restart-${++sent}`;
      const startedAt = performance.now();
      const res = await POST(
        new NextRequest("http://127.0.0.1/api/v1/traces", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
          body: JSON.stringify({
            id,
            model: "openai/gpt-4o-mini",
            request: { messages: [{ role: "user", content: "ping" }] },
            response: { messages: [{ role: "assistant", content: "pong" }] },
            timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
          }),
        }),
        { params: Promise.resolve({}) },
      );
      const body = (await res.json()) as { error?: { code?: string } };
      answers.push({ id, status: res.status, code: body.error?.code, retryAfter: res.headers.get("retry-after"), startedAt, endedAt: performance.now() });
    };
    const senders = Array.from({ length: SENDERS }, async () => {
      while (!stopSending) {
        await send();
        await sleep(5);
      }
    });

    let stopAt: number, stoppedAt: number, startAt: number, startedAt: number;
    try {
      await sleep(1_000);
      stopAt = performance.now();
      await postgres("stop");
      stoppedAt = performance.now();
      await sleep(OUTAGE_MS);
      startAt = performance.now();
      await postgres("start");
      startedAt = performance.now();
      const deadline = startedAt + 15_000;
      while (!answers.some((a) => a.status === 202 && a.startedAt > startedAt) && performance.now() < deadline) await sleep(10);
      await sleep(AFTER_RECOVERY_MS);
    } finally {
      stopSending = true;
      await Promise.all(senders);
      warnings.mockRestore();
    }

    // Only 202 and 503, each 503 the documented error with Retry-After, none slow.
    const byStatus = (status: number) => answers.filter((a) => a.status === status);
    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    expect(byStatus(503).filter((a) => a.code !== "database_unavailable" || !/^[1-9]\d*$/.test(a.retryAfter ?? ""))).toEqual([]);
    expect(warned.length).toBe(byStatus(503).length);
    expect(warned.filter((line) => !/^\[api\] POST \/api\/v1\/traces: database unavailable: [^\n]+$/.test(line))).toEqual([]);
    const slowest = Math.max(...answers.map((a) => a.endedAt - a.startedAt));
    expect(slowest).toBeLessThan(MAX_ANSWER_MS);

    // Healthy before, unavailable throughout the outage, healthy again after the first 202.
    expect(answers.filter((a) => a.endedAt < stopAt).every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.endedAt < stopAt).length).toBeGreaterThan(0);
    const duringOutage = answers.filter((a) => a.startedAt > stoppedAt && a.endedAt < startAt);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((a) => a.status !== 503)).toEqual([]);
    const firstRecovered = answers.find((a) => a.status === 202 && a.startedAt > startedAt);
    expect(firstRecovered, "no 202 within 15 s of the restart").toBeDefined();
    const afterRecovery = answers.filter((a) => a.startedAt >= firstRecovered!.endedAt);
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(afterRecovery.filter((a) => a.status !== 202)).toEqual([]);

    // Every trace answered 202 is stored once, routed to its destination in the log.
    const stored = await prisma.$queryRaw<{ id: string; deliveries: number }[]>`
      SELECT t.data->>'id' AS id, (SELECT count(*)::int FROM jsonb_object_keys(t.routes)) AS deliveries
        FROM "TracePayload" t WHERE t."workspaceId" = ${workspace.id}`;
    const storedIds = new Map(stored.map((s) => [s.id, s.deliveries]));
    expect(stored.length).toBe(storedIds.size);
    const accepted = new Set(byStatus(202).map((a) => a.id));
    expect([...accepted].filter((id) => storedIds.get(id) !== 1)).toEqual([]);
    const storedWithout202 = stored.filter((s) => !accepted.has(s.id)).length;

    const reasons = new Map<string, number>();
    for (const line of warned) {
      const reason = line.replace(/^.*database unavailable: /, "").replace(/127\.0\.0\.1:\d+/, "<server>");
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const firstUnavailable = byStatus(503)[0];
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `[postgres-restart] ${answers.length} requests by ${SENDERS} senders: ${accepted.size} × 202, ${byStatus(503).length} × 503; ` +
        `server stop took ${seconds(stoppedAt - stopAt)} s, first 503 answered ${seconds(firstUnavailable.endedAt - stopAt)} s after the stop began; ` +
        `down ${seconds(startAt - stoppedAt)} s; start took ${seconds(startedAt - startAt)} s; first 202 answered ${seconds(firstRecovered!.endedAt - startedAt)} s after the server was up; ` +
        `slowest answer ${Math.round(slowest)} ms; stored ${stored.length} (${accepted.size} answered 202 + ${storedWithout202} answered 503), 0 lost; ` +
        `503 causes: ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
  }, 60_000);

  it("classifies the driver's real connection failures as unavailable (pool wait, lost connection, crash recovery, nothing listening) and statement errors as not", async () => {
    const failureOf = (query: PromiseLike<unknown>): Promise<unknown> =>
      Promise.resolve(query).then(
        () => {
          throw new Error("the query was expected to fail");
        },
        (err: unknown) => err,
      );
    // Statement errors are bugs or bad input, not an outage: they stay 500s (or are mapped elsewhere).
    // Checked first: after the crash below, pooled connections the server dropped fail once more each.
    const workspace = await prisma.workspace.create({ data: { name: "Twice", kind: "personal" } });
    expect(isDatabaseUnavailable(await failureOf(prisma.workspace.create({ data: { id: workspace.id, name: "Twice", kind: "personal" } })))).toBe(false);
    expect(isDatabaseUnavailable(await failureOf(prisma.$queryRawUnsafe("SELEC 1")))).toBe(false);
    expect(isDatabaseUnavailable(await failureOf(prisma.$queryRaw`SELECT 1 / 0`))).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);

    const nowhere = new PrismaClient({ adapter: new PrismaPg({ connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/postgres` }) });
    try {
      expect(isDatabaseUnavailable(await failureOf(nowhere.workspace.count()))).toBe(true);
    } finally {
      await nowhere.$disconnect();
    }

    // One pooled connection and a short wait for it, so a second query times out waiting.
    const single = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 1, connectionTimeoutMillis: 200 }) });
    let recoveryMs: number;
    const duringRecovery: unknown[] = [];
    try {
      const [{ pid }] = await single.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      const busy = failureOf(single.$queryRaw`SELECT pg_sleep(5)::text`);
      await sleep(200);
      expect(isDatabaseUnavailable(await failureOf(single.$queryRaw`SELECT 1`))).toBe(true);
      // The server process of that connection dies.
      process.kill(pid, "SIGKILL");
      const crashedAt = performance.now();
      const lost = await busy;
      expect(String((lost as Error).message)).toMatch(/Connection terminated unexpectedly|terminating connection/);
      expect(isDatabaseUnavailable(lost)).toBe(true);
      // PostgreSQL ends every session and recovers; the app's pool meets dropped connections and a
      // server in recovery, then works again. Queried for a fixed window so late failures count too.
      let lastFailureAt = crashedAt;
      while (performance.now() - crashedAt < CRASH_WATCH_MS) {
        const failure = await prisma.$queryRaw`SELECT 1`.then(() => undefined, (err: unknown) => err);
        if (failure !== undefined) {
          duringRecovery.push(failure);
          lastFailureAt = performance.now();
        }
        await sleep(20);
      }
      await prisma.$queryRaw`SELECT 1`;
      recoveryMs = lastFailureAt - crashedAt;
    } finally {
      await single.$disconnect();
    }
    expect(duringRecovery.filter((err) => !isDatabaseUnavailable(err))).toEqual([]);

    console.log(
      `[postgres-restart] a server process killed with SIGKILL: queries through the app's client failed for ${(recoveryMs / 1000).toFixed(2)} s ` +
        `(${duringRecovery.length} failures in ${CRASH_WATCH_MS / 1000} s of queries every 20 ms, all classified unavailable), then succeeded`,
    );
  }, 30_000);
});

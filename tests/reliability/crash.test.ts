// Crash mid-lease with a real process (docs/reliability.md, "Crash and restart"). A worker process
// (crash-worker.mts: the app's inline dispatcher) delivers to a local OTLP/JSON receiver that
// answers the first request and holds the second open, so that batch's rows are leased (in_flight)
// when the worker is killed with SIGKILL. The test process then reopens the database, as a
// restarted app would (on PGlite: the on-disk directory the dead worker had open, so this also
// proves PGlite recovers after a SIGKILL), and runs the sweeper and drains: the pending rows go at
// once, the leased ones once their lease has expired. Every delivery ends delivered, none is lost,
// none stays in_flight, and the only duplicates are the traces of the request that reached the
// receiver before the kill without being answered (tests/delivery/drain.test.ts covers the same
// lease logic with a simulated crash in one process; this is the real-process version).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { sweep } from "@/lib/delivery/sweep";
import { createDestinationRow, createWorkspace, enqueue } from "../support/delivery";
import { startOtlpReceiver, type OtlpReceiver } from "../receivers/otlp";

/** The drain's lanes (TRACECAST_DRAIN_LANES): after the first batch, this many claims are in flight at once. */
const LANES = 2;
/** The webhook destination claims 100 rows at a time: one batch delivered, one per lane in flight at the kill, 50 pending. */
const TRACES = 100 + LANES * 100 + 50;
/** Short, so the test waits seconds for the expiry; long enough that reopening the database fits inside it. */
const LEASE_SECONDS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The generation ids a request carried (the trace's own id, one per trace). */
const traceIdsOf = (request: OtlpReceiver["requests"][number]) =>
  request.spans.map((s) => s.attributes["tracecast.generation.id"]).filter((id): id is string => typeof id === "string");

function startWorker(destinationId: string): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TRACECAST_DISPATCHER: "inline", TRACECAST_DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS), TRACECAST_DRAIN_LANES: String(LANES) };
  const child = spawn(
    process.execPath,
    ["--require", "./scripts/server-only-outside-next.cjs", "--import", "tsx", "tests/reliability/crash-worker.mts", destinationId],
    { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(25);
  }
}

const statusCounts = async (destinationId: string) =>
  Object.fromEntries(
    (await prisma.delivery.groupBy({ by: ["status"], where: { destinationId }, _count: true })).map((g) => [g.status, g._count]),
  );

let receiver: OtlpReceiver;
let pgliteDir: string | undefined;
let worker: ReturnType<typeof startWorker> | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  if (!process.env.DATABASE_URL) {
    // The harness gives each file an in-memory PGlite, which another process cannot open: use a
    // directory instead, loaded from the same migrated image (TRACECAST_PGLITE_SEED) on first open.
    pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-crash-"));
    process.env.PGLITE_DIR = pgliteDir;
    await prisma.$queryRaw`SELECT 1`;
    // From here on the directory holds the database: later opens (the worker, the reopen) must not load the image again.
    delete process.env.TRACECAST_PGLITE_SEED;
  }
});

afterAll(async () => {
  if (worker?.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
  await receiver.close();
  await closeDatabase();
  if (pgliteDir) fs.rmSync(pgliteDir, { recursive: true, force: true });
});

describe("crash: a delivery worker killed with SIGKILL while its rows are leased", () => {
  it("delivers every trace after the lease expires, loses none, leaves none in_flight, and re-sends only the unanswered request", async () => {
    const workspace = await createWorkspace();
    const destination = await createDestinationRow(workspace.id, "webhook", { url: `${receiver.url}/hook` });
    await enqueue(workspace.id, [destination.id], TRACES);
    const traceIds = (await prisma.tracePayload.findMany({ where: { workspaceId: workspace.id }, select: { data: true } })).map(
      (t) => (t.data as { id: string }).id,
    );
    expect(traceIds).toHaveLength(TRACES);

    // The first request is answered, the next ones (one per lane) are held open for longer than the worker lives.
    receiver.respondWith({}, ...Array.from({ length: LANES }, () => ({ delayMs: 30_000 })));
    await closeDatabase(); // hand the database over (a PGlite directory admits one process)
    worker = startWorker(destination.id);
    const started = performance.now();
    const running = worker;
    await until(
      () => receiver.requests.length >= 1 + LANES || running.child.exitCode !== null,
      30_000,
      () => `the worker's held requests (worker output: ${running.output()})`,
    );
    expect(running.child.exitCode, running.output()).toBeNull();
    const workerReachedHeldRequestMs = performance.now() - started;

    const exited = new Promise<NodeJS.Signals | null>((resolve) => running.child.once("exit", (_code, signal) => resolve(signal)));
    running.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await exited).toBe("SIGKILL");
    expect(receiver.requests).toHaveLength(1 + LANES);
    const [answered, ...heldRequests] = receiver.requests.map(traceIdsOf);
    expect(answered).toHaveLength(100);
    expect(heldRequests.map((ids) => ids.length)).toEqual(heldRequests.map(() => 100));
    const held = heldRequests.flat();

    // Reopened after the kill: the answered batch is delivered, the held ones leased, the rest pending.
    const reopenStarted = performance.now();
    const afterKill = await statusCounts(destination.id);
    const reopenMs = performance.now() - reopenStarted;
    expect(afterKill).toEqual({ delivered: 100, in_flight: held.length, pending: TRACES - 100 - held.length });
    const leased = await prisma.delivery.findMany({ where: { destinationId: destination.id, status: "in_flight" } });
    const leaseEnd = Math.max(...leased.map((r) => r.claimedUntil!.getTime()));
    expect(Math.min(...leased.map((r) => r.claimedUntil!.getTime()))).toBeGreaterThan(killedAt);

    // A restarted app's sweeper, before the lease expires: the pending rows go, the leased ones stay.
    expect(Date.now(), "reopening took longer than the lease: the machine is too slow for this test's timing").toBeLessThan(leaseEnd - 1000);
    expect((await sweep({ retention: false })).due).toEqual([destination.id]);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: TRACES - 100 - held.length, failed: 0 });
    expect(await statusCounts(destination.id)).toEqual({ delivered: TRACES - held.length, in_flight: held.length });
    expect(Date.now()).toBeLessThan(leaseEnd);

    // After the lease: the sweeper finds the expired lease and the drain delivers the rows.
    let drainedAt = 0;
    await until(
      async () => {
        for (const id of (await sweep({ retention: false })).due) await drainDestination(id);
        const counts = await statusCounts(destination.id);
        if (counts.delivered !== TRACES) return false;
        drainedAt = Date.now();
        return true;
      },
      LEASE_SECONDS * 1000 + 15_000,
      () => "every delivery to be delivered",
    );
    expect(drainedAt).toBeGreaterThanOrEqual(leaseEnd);

    const rows = await prisma.delivery.findMany({ where: { destinationId: destination.id } });
    expect(rows.filter((r) => r.status !== "delivered" || r.claimToken !== null || r.claimedUntil !== null)).toEqual([]);
    const heldIds = new Set(held);
    const traceOf = new Map(
      (await prisma.tracePayload.findMany({ where: { workspaceId: workspace.id }, select: { id: true, data: true } })).map((t) => [
        t.id,
        (t.data as { id: string }).id,
      ]),
    );
    // Attempts: 2 for the rows the dead worker had leased, 1 for every other.
    expect(rows.filter((r) => r.attempts !== (heldIds.has(traceOf.get(r.traceId)!) ? 2 : 1))).toEqual([]);

    const arrivals = new Map<string, number>();
    for (const request of receiver.requests) for (const id of traceIdsOf(request)) arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    const missing = traceIds.filter((id) => !arrivals.has(id));
    const duplicated = [...arrivals].filter(([, n]) => n > 1).map(([id]) => id);
    expect(missing).toEqual([]);
    expect([...arrivals.keys()].sort()).toEqual([...traceIds].sort());
    // Bounded: only the traces whose request reached the receiver before the kill and was never answered, each once more.
    expect(duplicated.sort()).toEqual([...held].sort());
    expect(Math.max(...arrivals.values())).toBe(2);

    console.log(
      `[crash] ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite (on disk)"}: ${TRACES} traces, lease ${LEASE_SECONDS} s; ` +
        `worker reached the held request after ${Math.round(workerReachedHeldRequestMs)} ms; state read back after the kill in ${Math.round(reopenMs)} ms ` +
        `(${JSON.stringify(afterKill)}); all delivered ${((drainedAt - killedAt) / 1000).toFixed(1)} s after the kill ` +
        `(${((drainedAt - leaseEnd) / 1000).toFixed(2)} s after the lease ended); receiver: ${receiver.requests.length} requests, ` +
        `${arrivals.size} distinct traces, ${duplicated.length} duplicates, ${missing.length} missing`,
    );
  }, 120_000);
});

// Backlog benchmark: a webhook destination whose receiver is down (answers 503) while N traces
// arrive through acceptTraces (the ingest path, in batches), then the receiver comes back and the
// backlog is drained with drainDestination until no delivery is pending.
//
// Reports memory while the backlog builds (RSS and heap before / after / peak: the outbox lives in
// the database, so memory must not grow with N), the drain rate, and what the receiver got: every
// trace exactly once is the goal; duplicates are counted (delivery is at-least-once) and missing
// traces fail the run.
//
// Runs in this process (no Next server) on a fresh embedded PGlite directory on disk, like a
// default install. TRACECAST_DISPATCHER=none: nothing drains behind the benchmark's back.
// Env: BACKLOG_TRACES (default 100 000), BACKLOG_BATCH (traces per acceptTraces call, default 100),
// BACKLOG_DESTINATIONS (webhook destinations, default 1: each trace is queued for every one, and
// they drain at the same time, as the inline dispatcher drains them).
// Run with NODE_OPTIONS=--expose-gc so the before/after figures are taken after a full collection.
// Writes the "## Backlog" section of docs/benchmarks.md (runs of at least 10 000 traces).
import crypto from "node:crypto";
import fs from "node:fs";
import Module from "node:module";
import os from "node:os";
import path from "node:path";
import type { Prisma } from "../lib/generated/prisma/client";
import { machine, pgliteVersion, round2, seedDatabase, startOtlpJsonReceiver, writeBenchmarksSection } from "./harness.mjs";
import { traceBody } from "./ingest.bench.mjs";

const TRACES = Number(process.env.BACKLOG_TRACES ?? 100_000);
const BATCH = Number(process.env.BACKLOG_BATCH ?? 100);
const DESTINATIONS = Number(process.env.BACKLOG_DESTINATIONS ?? 1);
const SAMPLE_MS = 100;
/** Smaller runs are smoke tests of the benchmark itself: they do not replace the documented figures. */
const MIN_DOCUMENTED_TRACES = 10_000;

/**
 * lib modules start with `import "server-only"`, a marker Next resolves itself (it is no package of
 * ours); outside Next it is resolved to Next's own empty implementation, as the tests alias it.
 */
function allowServerOnlyImports(): void {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return resolve.call(this, request === "server-only" ? "next/dist/compiled/server-only/empty.js" : request, ...rest);
  };
}

const cpuMicros = ({ user, system }: NodeJS.CpuUsage) => user + system;

/**
 * A fresh migrated PGlite directory with one workspace and API key (seedDatabase), made this
 * process's database, with nothing draining behind the benchmark's back and loopback receivers
 * allowed. Import lib modules only after this.
 */
export async function useFreshEmbeddedDatabase(prefix: string): Promise<{ dir: string; workspaceId: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let workspaceId = "";
  await seedDatabase(dir, async (_db, id) => void (workspaceId = id));
  Object.assign(process.env, {
    DATABASE_URL: "",
    PGLITE_DIR: dir,
    TRACECAST_DISPATCHER: "none",
    // The receiver is on loopback.
    TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
    TRACECAST_KEYS: `bench:${crypto.randomBytes(32).toString("base64")}`,
  });
  allowServerOnlyImports();
  return { dir, workspaceId };
}

/** The ingest benchmark's realistic trace, with its own id so the receiver can count it. */
const traceInput = (i: number): unknown => JSON.parse(traceBody(i, `backlog-${i}`));

/** Samples RSS and heap every SAMPLE_MS; peak() is the highest seen since start. */
function memorySampler() {
  const mb = (bytes: number) => round2(bytes / 2 ** 20);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    return m;
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    /** Current figures; with `node --expose-gc`, after a full collection (what is retained, not garbage). */
    settled: () => {
      (globalThis as { gc?: () => void }).gc?.();
      const m = sample();
      return { rssMiB: mb(m.rss), heapUsedMiB: mb(m.heapUsed) };
    },
    now: () => {
      const m = sample();
      return { rssMiB: mb(m.rss), heapUsedMiB: mb(m.heapUsed) };
    },
    peak: () => ({ rssMiB: mb(peakRss), heapUsedMiB: mb(peakHeap) }),
    reset: () => {
      const m = process.memoryUsage();
      peakRss = m.rss;
      peakHeap = m.heapUsed;
    },
    stop: () => clearInterval(timer),
  };
}

export default async function backlogBenchmark() {
  const { dir, workspaceId } = await useFreshEmbeddedDatabase("tracecast-backlog-");
  const { prisma } = await import("../lib/db");
  const { acceptTraces } = await import("../lib/ingest/index");
  const { drainDestination } = await import("../lib/delivery/drain");
  const { waitingDeliveries } = await import("../lib/delivery/stats");
  const { traceStatuses } = await import("../lib/delivery/status");
  const { getDefinition } = await import("../lib/destinations/registry");
  const { sealSecrets, splitSecrets } = await import("../lib/broadcast/stored-config");
  const { traceInput: traceInputSchema } = await import("../lib/traces/schema");

  const receiver = await startOtlpJsonReceiver();
  receiver.setUp(false);
  const webhook = getDefinition("webhook")!;
  const { plain, secrets } = splitSecrets(webhook, { url: `${receiver.url}/hooks/traces`, secret: `whsec_${crypto.randomBytes(32).toString("base64")}` });
  const destinations = [];
  for (let d = 0; d < DESTINATIONS; d++) {
    const created = await prisma.destination.create({ data: { workspaceId, type: "webhook", name: `Backlog receiver ${d + 1}`, config: plain as Prisma.InputJsonObject } });
    destinations.push(await prisma.destination.update({ where: { id: created.id }, data: { secrets: sealSecrets(created.id, secrets) } }));
  }
  const destinationIds = destinations.map((d) => d.id);
  const apiKey = await prisma.apiKey.findFirstOrThrow({ where: { workspaceId } });
  const workspace = await prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  const ctx = { apiKey: { id: apiKey.id, name: apiKey.name, workspaceId }, workspace };
  // Waiting deliveries: exception rows pending or in flight, and log traces past each cursor.
  const backlog = async (destinationId?: string) => {
    const waiting = await waitingDeliveries(workspaceId, destinationId ? [destinationId] : destinationIds);
    return [...waiting.values()].reduce((n, w) => n + w.waiting, 0);
  };

  const memory = memorySampler();
  // One accepted trace first, so module loading and the first queries are not counted as backlog growth.
  await acceptTraces(ctx, [traceInputSchema.parse(traceInput(-1))]);
  const beforeIngest = memory.settled();
  memory.reset();

  // ── receiver down: traces arrive and pile up as pending deliveries ──
  console.log(`[backlog] ingesting ${TRACES} traces in batches of ${BATCH} with the receiver answering 503 …`);
  const ingestStarted = performance.now();
  const ingestCpu = process.cpuUsage();
  for (let i = 0; i < TRACES; i += BATCH) {
    const inputs = Array.from({ length: Math.min(BATCH, TRACES - i) }, (_, j) => traceInputSchema.parse(traceInput(i + j)));
    await acceptTraces(ctx, inputs);
    if ((i / BATCH) % 50 === 0) console.log(`[backlog]   ${i} traces, rss ${memory.now().rssMiB} MiB`);
  }
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  const ingestCpuUs = cpuMicros(process.cpuUsage(ingestCpu));
  // A drain while the receiver is down: the first batch gets 503 and goes to backoff, nothing is lost.
  const downDrain = await drainDestination(destinationIds[0]);
  const peakIngest = memory.peak();
  const afterIngest = memory.settled();
  const queued = await backlog();
  console.log(`[backlog] backlog ${queued}; drain while down: ${JSON.stringify(downDrain)}`);

  // ── receiver up: drain until nothing is pending ──
  receiver.setUp(true);
  // The 503 opened the destination's circuit (a second or two): let it half-open now, as the next
  // sweep after that delay would; the probe's success makes the backed-off rows due.
  await prisma.destination.updateMany({ where: { id: { in: destinationIds }, circuitOpenUntil: { not: null } }, data: { circuitOpenUntil: new Date() } });
  memory.reset();
  const drainStarted = performance.now();
  const drainCpu = process.cpuUsage();
  let drained = 0;
  let drains = 0;
  await Promise.all(
    destinationIds.map(async (destinationId) => {
      for (let remaining = await backlog(destinationId); remaining > 0; remaining = await backlog(destinationId)) {
        const result = await drainDestination(destinationId);
        drains++;
        drained += result.delivered;
        if (result.stopped) throw new Error(`drain stopped: ${result.stopped}`);
        console.log(`[backlog]   delivered ${drained}, rss ${memory.now().rssMiB} MiB`);
      }
    }),
  );
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const drainCpuUs = cpuMicros(process.cpuUsage(drainCpu));
  const peakDrain = memory.peak();
  const afterDrain = memory.settled();
  memory.stop();

  // ── what arrived ──
  // The receiver sees each trace's own id (the caller's `id`), so compare against those.
  const sent = new Set(Array.from({ length: TRACES + 1 }, (_, i) => `backlog-${i - 1}`));
  const stored = await prisma.tracePayload.count({ where: { workspaceId } });
  // Each trace is expected once per destination (they all point at this receiver).
  const duplicates = [...receiver.received.values()].reduce((n, c) => n + Math.max(0, c - DESTINATIONS), 0);
  const missing = [...sent].filter((id) => !receiver.received.has(id)).length;
  const unexpected = [...receiver.received.keys()].filter((id) => !sent.has(id)).length;
  const statusCounts = new Map<string, number>();
  for (const id of destinationIds) for (const { status } of await traceStatuses(id)) statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
  const statuses = [...statusCounts].map(([status, _count]) => ({ status, _count }));
  await receiver.close();
  await prisma.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });

  const result = {
    settings: {
      traces: TRACES,
      batch: BATCH,
      heapAfterGc: typeof (globalThis as { gc?: unknown }).gc === "function",       database: `embedded PGlite ${pgliteVersion()} (on disk)`,
      destination: `${DESTINATIONS} webhook destination(s) (Standard Webhooks signed, 100 traces per request)`,
    },
    ingest: {
      seconds: round2(ingestSeconds),
      tracesPerSec: Math.round(TRACES / ingestSeconds),
      /** CPU of the whole process (every thread: the database's and the receiver's too) per accepted trace. */
      cpuUsPerTrace: Math.round(ingestCpuUs / TRACES),
      backlog: queued,
      drainWhileDown: downDrain,
      memory: { before: beforeIngest, after: afterIngest, peak: peakIngest },
    },
    drain: {
      seconds: round2(drainSeconds),
      /** Traces delivered to every destination per second (deliveries per second / destinations). */
      tracesPerSec: Math.round(drained / DESTINATIONS / drainSeconds),
      ratioToIngest: round2(drained / DESTINATIONS / drainSeconds / (TRACES / ingestSeconds)),
      /** CPU of the whole process per delivery (one trace to one destination): less sensitive than rates to a shared machine's load. */
      cpuUsPerDelivery: Math.round(drainCpuUs / drained),
      delivered: drained,
      drainCalls: drains,
      memory: { after: afterDrain, peak: peakDrain },
    },
    receiver: {
      requests: receiver.requests(),
      distinctTraces: receiver.received.size,
      duplicates,
      missing,
      unexpected,
      deliveryStatuses: Object.fromEntries(statuses.map((s) => [s.status, s._count])),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  if (stored !== sent.size || missing || unexpected) throw new Error(`lost or stray traces (stored ${stored}): ${JSON.stringify(result.receiver)}`);
  if (TRACES >= MIN_DOCUMENTED_TRACES && DESTINATIONS === 1) writeDocs(result);
  return result;
}

function writeDocs(r: {
  settings: { traces: number; batch: number; heapAfterGc: boolean; database: string };
  ingest: { seconds: number; tracesPerSec: number; backlog: number; memory: Record<"before" | "after" | "peak", { rssMiB: number; heapUsedMiB: number }> };
  drain: { seconds: number; tracesPerSec: number; delivered: number; memory: Record<"after" | "peak", { rssMiB: number; heapUsedMiB: number }> };
  receiver: { requests: number; distinctTraces: number; duplicates: number; missing: number };
}) {
  const m = machine();
  const mem = (x: { rssMiB: number; heapUsedMiB: number }) => `${x.rssMiB} MiB RSS / ${x.heapUsedMiB} MiB heap`;
  writeBenchmarksSection("## Backlog", [
    "",
    `\`npm run bench -- backlog\` (\`bench/backlog.bench.mts\`). Measured ${new Date().toISOString().slice(0, 10)} on ${m.cpuModel}, ${m.cores} cores (shared with other work, load ${m.loadAverage1m}), ${m.ramGiB} GiB RAM, Node ${m.node}, ${r.settings.database}.`,
    `A webhook destination's receiver answers 503 while **${r.settings.traces.toLocaleString("en-US")} traces** arrive through \`acceptTraces\` in batches of ${r.settings.batch} (\`BACKLOG_TRACES\` sets N, default 100 000${r.settings.traces < 100_000 ? "; this run used fewer to finish in minutes on the shared machine" : ""}; one more trace is accepted first as a warm-up and is part of the backlog); then it answers 200 and \`drainDestination\` runs until no delivery is pending (\`TRACECAST_DISPATCHER=none\`).`,
    "",
    "| phase | figure |",
    "|---|---|",
    `| backlog build-up | ${r.ingest.tracesPerSec} traces/s (${r.ingest.seconds} s), ${r.ingest.backlog} pending deliveries |`,
    `| memory before → after build-up | ${mem(r.ingest.memory.before)} → ${mem(r.ingest.memory.after)} (peak ${mem(r.ingest.memory.peak)}) |`,
    `| drain | **${r.drain.tracesPerSec} traces/s** (${r.drain.delivered} in ${r.drain.seconds} s, 100 per request) |`,
    `| memory during drain | peak ${mem(r.drain.memory.peak)}, after ${mem(r.drain.memory.after)} |`,
    `| receiver | ${r.receiver.distinctTraces} distinct traces in ${r.receiver.requests} requests (incl. 503s), ${r.receiver.duplicates} duplicates, ${r.receiver.missing} missing |`,
    "",
    `RSS is the whole process: the embedded database (PGlite, PostgreSQL compiled to WASM) and the receiver run in it. Before/after figures are ${r.settings.heapAfterGc ? "taken after a full garbage collection (`NODE_OPTIONS=--expose-gc`), i.e. what is retained" : "taken without forcing a garbage collection (run with `NODE_OPTIONS=--expose-gc` for retained figures)"}; peaks are sampled every ${SAMPLE_MS} ms while a phase runs.`,
    "",
  ]);
}

// Replays and retry-failed on the embedded database's one connection (lib/db-client.ts) run as
// short statements, so ingestion and the dashboard's reads get the connection between them. What
// is measured is structural, not a duration: every row a transaction writes carries its id (xmin),
// so the rows per transaction and how ingestion's transactions interleave are read off the table.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as deliveries from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/route";
import * as health from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/health/route";
import * as replay from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/replay/route";
import * as retryFailed from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/retry-failed/route";
import * as approve from "@/app/api/workspaces/[workspaceId]/change-requests/[changeRequestId]/approve/route";
import { prisma } from "@/lib/db";
import { vacuumEmbeddedDatabase } from "@/lib/delivery/maintenance";
import { destinationHealth, healthSummaries, waitingDeliveries } from "@/lib/delivery/stats";
import { assertReplayWithinLimit, MAX_REPLAY_TRACES, REQUEUE_CHUNK, replayCandidates } from "@/lib/delivery/requeue";
import { acceptTraces } from "@/lib/ingest";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { sampleTrace } from "@/lib/traces/fixtures";
import { traceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { apiKeyContext, createDestinationRow, createWorkspace } from "../support/delivery";
import { plansOf, rowsHandled } from "./query-plans";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const TRACES = 10 * REQUEUE_CHUNK;
const input = traceInput.parse({
  model: "m",
  request: { messages: [{ role: "user", content: "hi" }] },
  timing: { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" },
});

type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let member: User;
let workspaceId: string;
let destinationId: string;
let ingestWorkspaceId: string;

beforeAll(async () => {
  owner = await createUser("owner");
  member = await createUser("member");
  workspaceId = (await createOrganization(owner)).id;
  await addMembership(workspaceId, member, "member");
  actAs(owner);
  destinationId = (await createDestinationRow(workspaceId, "webhook", { url: "http://127.0.0.1:9/hook" }, { status: "paused" })).id;
  // Stored in bulk: TRACES traces received half an hour ago, a quarter each delivered, failed,
  // dropped and never routed to the destination.
  const receivedAt = new Date(Date.now() - 30 * 60_000);
  await prisma.$executeRaw`
    INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt")
    SELECT 'bulk-' || lpad(i::text, 6, '0'), ${workspaceId}, ${JSON.stringify(sampleTrace())}::jsonb, 1000, ${receivedAt}
      FROM generate_series(1, ${TRACES}::int) AS i`;
  await prisma.$executeRaw`
    INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, attempts, "createdAt", "updatedAt")
    SELECT 'd-' || t.id, t.id, ${destinationId}, ${workspaceId},
           (CASE i % 4 WHEN 0 THEN 'delivered' WHEN 1 THEN 'failed' ELSE 'dropped' END)::"DeliveryStatus", 1, ${receivedAt}, ${receivedAt}
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS i FROM "TracePayload" WHERE "workspaceId" = ${workspaceId}) AS t
     WHERE i % 4 <> 3`;
  ingestWorkspaceId = (await createWorkspace("personal", "Ingest")).id;
  await createDestinationRow(ingestWorkspaceId, "webhook", { url: "http://127.0.0.1:9/hook" }, { status: "paused" });
});

/** Transaction ids (xmin) of the destination's delivery rows, with the rows each wrote. */
async function rowsPerTransaction(): Promise<Map<bigint, number>> {
  const rows = await prisma.$queryRaw<{ xid: bigint; rows: number }[]>`
    SELECT xmin::text::bigint AS xid, count(*)::int AS rows FROM "Delivery" WHERE "destinationId" = ${destinationId} GROUP BY 1`;
  return new Map(rows.map((r) => [BigInt(r.xid), r.rows]));
}

/** Runs `job`, ingesting one trace at a time in another workspace and polling the dashboard until it ends. */
async function alongsideIngestAndDashboard<T>(job: () => Promise<T>): Promise<{ result: T; ingestXids: bigint[]; dashboardReads: number }> {
  const ctx = await apiKeyContext(ingestWorkspaceId);
  let done = false;
  const ingesting = (async () => {
    while (!done) await acceptTraces(ctx, [input]);
  })();
  let dashboardReads = 0;
  const polling = (async () => {
    const params = { workspaceId, destinationId };
    while (!done) {
      for (const [handler, search] of [[list.GET, {}], [health.GET, { window: "24h" }], [deliveries.GET, {}]] as const) {
        const res = await call(handler, { params, search });
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        dashboardReads++;
      }
    }
  })();
  // Ingestion is under way before the job asks for the connection.
  while ((await prisma.tracePayload.count({ where: { workspaceId: ingestWorkspaceId } })) < 3) await new Promise((r) => setTimeout(r, 5));
  const result = await job().finally(() => (done = true));
  await Promise.all([ingesting, polling]);
  const ingested = await prisma.$queryRaw<{ xid: bigint }[]>`SELECT xmin::text::bigint AS xid FROM "TracePayload" WHERE "workspaceId" = ${ingestWorkspaceId}`;
  return { result, ingestXids: ingested.map((r) => BigInt(r.xid)), dashboardReads };
}

describe("replay limit of a governed replay", () => {
  it("more traces than MAX_REPLAY_TRACES by the time of approval: a conflict, nothing requeued", async () => {
    await prisma.delivery.updateMany({ where: { destinationId }, data: { status: "delivered" } });
    actAs(member);
    const proposed = await call(replay.POST, { method: "POST", params: { workspaceId, destinationId }, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(proposed.status).toBe(202);
    await prisma.$executeRaw`
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt")
      SELECT 'late-' || i, ${workspaceId}, '{}'::jsonb, 2, now() FROM generate_series(1, ${MAX_REPLAY_TRACES}::int) AS i`;
    actAs(owner);
    const res = await call(approve.POST, { method: "POST", params: { workspaceId, changeRequestId: proposed.json.changeRequest.id } });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain(`replay at most ${MAX_REPLAY_TRACES}`);
    expect((await prisma.changeRequest.findUniqueOrThrow({ where: { id: proposed.json.changeRequest.id } })).status).toBe("conflict");
    expect(await prisma.delivery.count({ where: { destinationId, status: "pending" } })).toBe(0);
    await prisma.tracePayload.deleteMany({ where: { id: { startsWith: "late-" } } });
    // As the sweep's upkeep does after retention (lib/delivery/maintenance.ts): the views read the
    // workspace's log and the destination's rows, whose indexes would otherwise still list the
    // 50 000 deleted traces and every version the tests' bulk updates left behind.
    await vacuumEmbeddedDatabase();
  });
});

/** Rows the executor handled in all the plan's nodes, each counted once per loop. */

describe("requeues on the one embedded connection", () => {
  it("a replay reads each trace of its range about once, not once per chunk", async () => {
    // In one transaction, so its own statistics count the live traces it read, by any plan.
    const destination = await prisma.destination.findUniqueOrThrow({ where: { id: destinationId } });
    const read = await prisma.$transaction(async (tx) => {
      const counter = async () =>
        Number(
          (
            await tx.$queryRawUnsafe<{ n: string }[]>(
              `SELECT (pg_stat_get_xact_tuples_fetched('"TracePayload"'::regclass) + pg_stat_get_xact_tuples_returned('"TracePayload"'::regclass))::text AS n`,
            )
          )[0].n,
        );
      const since = new Date(Date.now() - 3_600_000);
      // The replay first counts its range against MAX_REPLAY_TRACES: that count's reads are left out.
      const start = await counter();
      await assertReplayWithinLimit(tx, workspaceId, since);
      const counted = (await counter()) - start;
      const before = await counter();
      const { created, reset } = await replayCandidates(tx, destination, { since, dryRun: true });
      expect(created + reset).toBe(TRACES);
      return (await counter()) - before - counted;
    });
    // Before, each chunk read every trace since the replay's start: TRACES² / REQUEUE_CHUNK.
    expect(read).toBeLessThanOrEqual(TRACES + 2 * (TRACES / REQUEUE_CHUNK) + 10);
  });

  it("a replay requeues every routed trace in transactions of at most REQUEUE_CHUNK rows, with ingestion committing between them", async () => {
    const before = await rowsPerTransaction();
    const { result, ingestXids, dashboardReads } = await alongsideIngestAndDashboard(() =>
      call(replay.POST, { method: "POST", params: { workspaceId, destinationId }, body: { since: new Date(Date.now() - 3_600_000).toISOString() } }),
    );
    // The promise is kept in full: every settled row reset, every trace without one queued.
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ dryRun: false, count: TRACES, created: TRACES / 4, reset: (3 * TRACES) / 4 });
    expect(await prisma.delivery.count({ where: { destinationId, status: "pending" } })).toBe(TRACES);

    const replayed = [...(await rowsPerTransaction())].filter(([xid]) => !before.has(xid));
    expect(replayed.reduce((n, [, rows]) => n + rows, 0)).toBe(TRACES);
    expect(Math.max(...replayed.map(([, rows]) => rows))).toBeLessThanOrEqual(REQUEUE_CHUNK);
    // Ingestion was not queued behind the whole replay: it committed between its first and last writes.
    const [first, last] = [replayed.reduce((m, [x]) => (x < m ? x : m), replayed[0][0]), replayed.reduce((m, [x]) => (x > m ? x : m), replayed[0][0])];
    expect(ingestXids.filter((x) => x > first && x < last).length).toBeGreaterThan(0);
    expect(dashboardReads).toBeGreaterThan(0);
  });

  it("a replay waits after each chunk as long as the chunk took, so it holds the database at most half the time", async () => {
    await prisma.delivery.updateMany({ where: { destinationId }, data: { status: "delivered" } });
    const destination = await prisma.destination.findUniqueOrThrow({ where: { id: destinationId } });
    const pauses: { asked: number; chunkMs: number }[] = [];
    let chunkStarted = performance.now();
    const pause = async (ms: number) => {
      pauses.push({ asked: ms, chunkMs: performance.now() - chunkStarted });
      chunkStarted = performance.now();
    };
    const { created, reset } = await replayCandidates(prisma, destination, { since: new Date(Date.now() - 3_600_000), dryRun: true, pause });
    expect(created + reset).toBe(TRACES);
    // One pause after each full chunk (the read that finds nothing more ends the replay).
    expect(pauses).toHaveLength(TRACES / REQUEUE_CHUNK);
    // Each as long as its chunk (measured here from the previous pause; the first chunk's time here also holds the replay's set-up).
    for (const { asked, chunkMs } of pauses.slice(1)) expect(asked).toBeGreaterThanOrEqual(Math.max(1, chunkMs - 1));
  });

  it("retry failed requeues every failed row in transactions of at most REQUEUE_CHUNK rows, with ingestion committing between them", async () => {
    await prisma.delivery.updateMany({ where: { destinationId }, data: { status: "failed" } });
    const before = await rowsPerTransaction();
    const { result, ingestXids } = await alongsideIngestAndDashboard(() =>
      call(retryFailed.POST, { method: "POST", params: { workspaceId, destinationId }, body: {} }),
    );
    expect(result.json).toEqual({ dryRun: false, count: TRACES });
    expect(await prisma.delivery.count({ where: { destinationId, status: "pending", attempts: 0 } })).toBe(TRACES);
    const requeued = [...(await rowsPerTransaction())].filter(([xid]) => !before.has(xid));
    expect(requeued.reduce((n, [, rows]) => n + rows, 0)).toBe(TRACES);
    expect(Math.max(...requeued.map(([, rows]) => rows))).toBeLessThanOrEqual(REQUEUE_CHUNK);
    const xids = requeued.map(([x]) => x);
    const [first, last] = [xids.reduce((a, b) => (a < b ? a : b)), xids.reduce((a, b) => (a > b ? a : b))];
    expect(ingestXids.filter((x) => x > first && x < last).length).toBeGreaterThan(0);
  });

  it("a replay approved as a change request runs in the same short transactions after the approval commits", async () => {
    await prisma.delivery.updateMany({ where: { destinationId }, data: { status: "delivered" } });
    actAs(member);
    const proposed = await call(replay.POST, { method: "POST", params: { workspaceId, destinationId }, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(proposed.status).toBe(202);
    expect(await prisma.delivery.count({ where: { destinationId, status: "pending" } })).toBe(0);
    actAs(owner);
    const before = await rowsPerTransaction();
    const { result, ingestXids } = await alongsideIngestAndDashboard(() =>
      call(approve.POST, { method: "POST", params: { workspaceId, changeRequestId: proposed.json.changeRequest.id } }),
    );
    expect(result.status).toBe(200);
    expect(await prisma.delivery.count({ where: { destinationId, status: "pending" } })).toBe(TRACES);
    const requeued = [...(await rowsPerTransaction())].filter(([xid]) => !before.has(xid));
    expect(Math.max(...requeued.map(([, rows]) => rows))).toBeLessThanOrEqual(REQUEUE_CHUNK);
    const xids = requeued.map(([x]) => x);
    const [first, last] = [xids.reduce((a, b) => (a < b ? a : b)), xids.reduce((a, b) => (a > b ? a : b))];
    expect(ingestXids.filter((x) => x > first && x < last).length).toBeGreaterThan(0);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { workspaceId, action: "destination.replay" }, orderBy: { createdAt: "desc" } });
    const { created, reset } = audit.after as { created: number; reset: number };
    expect(created + reset).toBe(TRACES);
  });
});

describe("the dashboard's and the alerts' reads on the one embedded connection", () => {
  // Last in the file: a spy on the shared client leaves $queryRaw bound to it, and interactive
  // transactions after it would run their raw statements outside the transaction.
  // A destination whose last 24 hours hold SETTLED traces, delivered through its log (the cursor
  // is past them) and as exception rows (delivered and failed), and a backlog of WAITING.
  const SETTLED = 3_000;
  const WAITING = 5;
  let busyWorkspace: string;
  let destination: Awaited<ReturnType<typeof createDestinationRow>>;

  beforeAll(async () => {
    busyWorkspace = (await createWorkspace("personal", "Busy")).id;
    destination = await createDestinationRow(busyWorkspace, "webhook", { url: "http://127.0.0.1:9/busy" });
    const routes = JSON.stringify({ [destination.id]: 1 });
    const store = (prefix: string, n: number, ago: string) => prisma.$executeRaw`
      INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", "receivedAt", routes)
      SELECT ${prefix} || i, ${busyWorkspace}, '{}'::jsonb, 2, now() - ${ago}::interval, ${routes}::jsonb FROM generate_series(1, ${n}::int) AS i`;
    await store("settled-", SETTLED, "1 hour");
    await prisma.$executeRaw`
      INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, attempts, "createdAt", "updatedAt", "deliveredAt")
      SELECT 'dx-' || t.id, t.id, ${destination.id}, ${busyWorkspace}, (CASE WHEN t.id LIKE '%0' THEN 'failed' ELSE 'delivered' END)::"DeliveryStatus",
             1, now() - interval '1 hour', now(), now()
        FROM "TracePayload" t WHERE t."workspaceId" = ${busyWorkspace} AND (t.id LIKE '%5' OR t.id LIKE '%0')`;
    await prisma.$executeRaw`
      UPDATE "DeliveryCursor" c SET xid = t.xid, seq = t.seq
        FROM (SELECT xid, seq FROM "TracePayload" WHERE "workspaceId" = ${busyWorkspace} ORDER BY xid DESC, seq DESC LIMIT 1) t
       WHERE c."destinationId" = ${destination.id}`;
    await store("waiting-", WAITING, "90 minutes");
    await prisma.$executeRawUnsafe("ANALYZE");
  });
  afterEach(() => vi.restoreAllMocks());

  it("the dashboard reads the destination's counters and its backlog, never the window's settled traces", async () => {
    const plans = await plansOf(async () => {
      await healthSummaries(busyWorkspace, [destination.id]);
      await waitingDeliveries(busyWorkspace, [destination.id]);
      await destinationHealth(busyWorkspace, destination, "24h");
      await destinationHealth(busyWorkspace, destination, "7d");
    });
    const health = await destinationHealth(busyWorkspace, destination, "24h");
    expect([health.backlog, health.backlogCapped]).toEqual([WAITING, false]);
    // Each statement handles the counters' rows and the backlog's, a few times at most: reading
    // the window's traces would be thousands.
    expect(Math.max(...plans.map(rowsHandled))).toBeLessThanOrEqual(10 * WAITING + 50);
  });

  it("the alerts' sweep finds the oldest waiting trace from the cursor, not by reading the workspace's log", async () => {
    const plans = await plansOf(() => evaluateAlerts({ destinationIds: [destination.id] }));
    const [open] = await prisma.$queryRaw<{ state: string }[]>`SELECT state FROM "DestinationAlert" WHERE "destinationId" = ${destination.id}`;
    // Waiting for 90 minutes, past the default backlog threshold (an hour).
    expect(open?.state).toBe("backlog");
    expect(Math.max(...plans.map(rowsHandled))).toBeLessThanOrEqual(10 * WAITING + 50);
  });
});

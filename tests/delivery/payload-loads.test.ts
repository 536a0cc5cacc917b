// Destinations draining the same traces read each payload once (lib/delivery/drain.ts loadTraces):
// the inline dispatcher kicks every destination a trace is routed to at the same moment, so their
// reads of the same range overlap; the later ones wait for the read under way, and a read that
// finished is served from the process's small payload cache.
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import { driver, prisma } from "@/lib/db";
import { LOAD_PAYLOADS, loadTraces } from "@/lib/delivery/drain";
import { traceShapingOf } from "@/lib/traces/shape";

const shaping = traceShapingOf({ privacyMode: false, broadcastGenerationCost: true, broadcastGenerationIdentity: true, broadcastGenerationRequestContext: true });
const item = (traceId: string, destination: string) => ({ traceId, deliveryId: `dlv_${traceId}_${destination}`, samplingRate: 1 });

beforeAll(async () => {
  await prisma.$executeRawUnsafe(`INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('w1', 'Loads', 'personal', now())`);
  await prisma.$executeRawUnsafe(
    `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes")
     SELECT 't' || i, 'w1', jsonb_build_object('id', 't' || i, 'model', 'm'), 20 FROM generate_series(1, 6) i`,
  );
});

afterEach(() => vi.restoreAllMocks());


it("overlapping loads of the same traces by several destinations read the payloads once", async () => {
  const spy = vi.spyOn(driver, "query");
  const ids = ["t1", "t2", "t3"];
  const loaded = await Promise.all(["d1", "d2", "d3", "d4"].map((d) => loadTraces(ids.map((id) => item(id, d)), shaping)));
  expect(spy.mock.calls.filter(([sql]) => sql === LOAD_PAYLOADS)).toHaveLength(1);
  for (const [i, d] of ["d1", "d2", "d3", "d4"].entries()) {
    expect(loaded[i].map((l) => l.trace.id)).toEqual(ids);
    // Each destination gets its own trace object with its own delivery id.
    expect(loaded[i].map((l) => l.trace.delivery_id)).toEqual(ids.map((id) => `dlv_${id}_${d}`));
  }
});

it("a load that overlaps a read under way reads only the traces that read does not cover; a finished read is served from memory", async () => {
  const spy = vi.spyOn(driver, "query");
  const first = loadTraces([item("t4", "d1"), item("t5", "d1")], shaping);
  const second = loadTraces([item("t5", "d2"), item("t6", "d2")], shaping);
  expect((await first).map((l) => l.trace.id)).toEqual(["t4", "t5"]);
  expect((await second).map((l) => l.trace.id)).toEqual(["t5", "t6"]);
  const reads = spy.mock.calls.filter(([sql]) => sql === LOAD_PAYLOADS).map(([, params]) => JSON.parse(String(params?.[0])));
  expect(reads).toEqual([["t4", "t5"], ["t6"]]);
  await loadTraces([item("t4", "d3"), item("t6", "d3")], shaping);
  expect(spy.mock.calls.filter(([sql]) => sql === LOAD_PAYLOADS)).toHaveLength(2);
});

it("a trace deleted before its read is left out; a failed read fails every load waiting on it, and the next load reads again", async () => {
  expect((await loadTraces([item("missing", "d1")], shaping))).toEqual([]);
  const query = driver.query.bind(driver);
  let fail = true;
  vi.spyOn(driver, "query").mockImplementation((async (sql: string, params: unknown[], name?: string) => {
    if (sql === LOAD_PAYLOADS && fail) {
      fail = false;
      await new Promise((r) => setTimeout(r, 20));
      throw new Error("connection lost");
    }
    return query(sql, params as never, name);
  }) as typeof driver.query);
  const results = await Promise.allSettled([loadTraces([item("t1x", "d1")], shaping), loadTraces([item("t1x", "d2")], shaping)]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  await prisma.$executeRawUnsafe(`INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes") VALUES ('t1x', 'w1', '{"id": "t1x"}', 12)`);
  expect((await loadTraces([item("t1x", "d1")], shaping)).map((l) => l.trace.id)).toEqual(["t1x"]);
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { issueApiKey } from "@/lib/api-keys/keys";
import { driver, prisma } from "@/lib/db";
import { acceptTraces } from "@/lib/ingest";
import { traceInput } from "@/lib/traces/schema";

async function keyContext(broadcastEnabled = true) {
  const workspace = await prisma.workspace.create({ data: { name: "W", kind: "personal", broadcastEnabled } });
  const { apiKey } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: "K", actor: null }));
  return { apiKey: { id: apiKey.id, name: apiKey.name, workspaceId: workspace.id }, workspace };
}

const input = traceInput.parse({
  model: "m",
  request: { messages: [{ role: "user", content: "hi" }] },
  timing: { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" },
});

describe("acceptTraces", () => {
  afterEach(() => vi.restoreAllMocks());

  it("stores the traces with their routes even when a routed destination vanished meanwhile: no row depends on it", async () => {
    const ctx = await keyContext();
    // A destination that was deleted between loading the routers and inserting: the first statement
    // is the routing read of this new workspace. Routes are a JSON map on the trace (the delivery
    // log: lib/delivery/log.ts), so nothing can fail on the missing destination, and no drain reads it.
    vi.spyOn(driver, "query").mockResolvedValueOnce([
      { id: "deleted-meanwhile", workspaceId: ctx.workspace.id, enabled: true, status: "active", apiKeyInclude: [], apiKeyExclude: [], filterRules: null, samplingRate: 1 },
    ] as never);
    expect(await acceptTraces(ctx, [input, input])).toMatchObject({ routed: 2, stored: true });
    const stored = await prisma.tracePayload.findMany({ where: { workspaceId: ctx.workspace.id }, select: { routes: true } });
    expect(stored.map((t) => t.routes)).toEqual([{ "deleted-meanwhile": 1 }, { "deleted-meanwhile": 1 }]);
  });

  it("stores nothing when the insert fails: a batch of traces commits together", async () => {
    const ctx = await keyContext();
    const real = driver.query.bind(driver);
    vi.spyOn(driver, "query").mockImplementation((sql, params, name) =>
      sql.includes('INSERT INTO "TracePayload"') ? Promise.reject(new Error("disk full")) : real(sql, params, name),
    );
    await expect(acceptTraces(ctx, [input, input])).rejects.toThrow("disk full");
    expect(await prisma.tracePayload.count({ where: { workspaceId: ctx.workspace.id } })).toBe(0);
  });

  it("routes nowhere when broadcast is off, and records that as each destination's reason in the same insert", async () => {
    const ctx = await keyContext(false);
    const d = await prisma.destination.create({ data: { workspaceId: ctx.workspace.id, type: "webhook", name: "d", config: {} } });
    const statements = vi.spyOn(driver, "query");
    expect(await acceptTraces(ctx, [input])).toMatchObject({ routed: 0 });
    expect(statements.mock.calls.filter(([sql]) => sql.includes('INSERT INTO "TracePayload"'))).toHaveLength(1);
    const row = await prisma.tracePayload.findFirstOrThrow({ where: { workspaceId: ctx.workspace.id } });
    expect(row).toMatchObject({ routes: null, notSent: { [d.id]: { r: "broadcast_off" } } });
  });

  it("marks test traces and counts routed deliveries", async () => {
    const ctx = await keyContext();
    await prisma.destination.createMany({ data: ["a", "b"].map((name) => ({ workspaceId: ctx.workspace.id, type: "webhook", name, config: {} })) });
    const { ids, routed } = await acceptTraces(ctx, [input, input, input], { isTest: true, headerSessionId: "s" });
    expect(ids).toHaveLength(3);
    expect(routed).toBe(6);
    const rows = await prisma.tracePayload.findMany({ where: { workspaceId: ctx.workspace.id } });
    expect(rows.every((r) => r.isTest && (r.data as { is_test: boolean; session_id: string }).is_test && (r.data as { session_id: string }).session_id === "s")).toBe(true);
  });

  it("commits concurrent requests together, each with its own routing and result", async () => {
    const a = await keyContext();
    const b = await keyContext();
    const quiet = await keyContext(false);
    await prisma.destination.create({ data: { workspaceId: a.workspace.id, type: "webhook", name: "a1", config: {} } });
    await prisma.destination.createMany({ data: ["b1", "b2"].map((name) => ({ workspaceId: b.workspace.id, type: "webhook", name, config: {} })) });
    const statements = vi.spyOn(driver, "query");
    const contexts = [a, b, quiet, a, b, quiet, a, b, quiet, a];
    const results = await Promise.all(contexts.map((ctx) => acceptTraces(ctx, [input, input])));
    expect(results.map((r) => r.routed)).toEqual(contexts.map((ctx) => (ctx === a ? 2 : ctx === b ? 4 : 0)));
    // All ten were queued before the commit's turn of the event loop: they share one statement.
    expect(statements.mock.calls.filter(([sql]) => sql.includes('INSERT INTO "TracePayload"'))).toHaveLength(1);
    for (const ctx of [a, b, quiet]) {
      const stored = await prisma.tracePayload.findMany({ where: { workspaceId: ctx.workspace.id }, include: { deliveries: { include: { destination: true } } } });
      expect(stored).toHaveLength(contexts.filter((c) => c === ctx).length * 2);
      // No trace was routed to another workspace's destination.
      expect(stored.flatMap((t) => t.deliveries).every((d) => d.destination.workspaceId === ctx.workspace.id && d.workspaceId === ctx.workspace.id)).toBe(true);
    }
  });

  it("fails only the request that cannot be stored when it shared a commit", async () => {
    const good = await keyContext();
    const ghost = { apiKey: null, workspace: { ...good.workspace, id: "workspace-that-does-not-exist" } };
    const [first, bad, second] = await Promise.allSettled([acceptTraces(good, [input]), acceptTraces(ghost, [input]), acceptTraces(good, [input])]);
    expect(first.status).toBe("fulfilled");
    expect(bad.status).toBe("rejected");
    expect(second.status).toBe("fulfilled");
    expect(await prisma.tracePayload.count({ where: { workspaceId: good.workspace.id } })).toBe(2);
  });
});

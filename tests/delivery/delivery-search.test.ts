// The delivery log's search and filters: what each one matches (through the route handler, on
// traces stored by the real ingest, in the log and as exception rows), and that each stays an
// index range on a workspace holding many traces: the page's statement is EXPLAINed with planner
// statistics (ANALYZE, as a running database has them) and must read a bounded number of rows,
// never the workspace's traces or deliveries in a sequential scan.
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as deliveries from "@/app/api/workspaces/[workspaceId]/destinations/[destinationId]/deliveries/route";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { deliveriesQuery, deliveryPageStatement } from "@/lib/delivery/stats";
import { Prisma } from "@/lib/generated/prisma/client";
import { acceptTraces } from "@/lib/ingest";
import { traceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { call, createUser } from "../support/accounts";
import { apiKeyContext, startReceiver } from "../support/delivery";
import { planNodes, type PlanNode } from "./query-plans";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

describe("what each search and filter matches", () => {
  let workspaceId: string;
  let destinationId: string;
  let keyA: string;
  const search = async (filters: Record<string, string>) => {
    const res = await call(deliveries.GET, { params: { workspaceId, destinationId }, search: filters });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return (res.json.deliveries as { traceExternalId: string; status: string }[]).map((d) => d.traceExternalId).sort();
  };

  beforeAll(async () => {
    const user = await createUser("searcher");
    actAs(user);
    workspaceId = user.personalWorkspaceId;
    const receiver = await startReceiver();
    // The platform refuses "bad" traces: they become failed exception rows; the rest stay in the log.
    receiver.handle((req, res) => (req.body.includes("refuse me") ? res.writeHead(400).end("no") : res.end("ok")));
    const created = await call(list.POST, { method: "POST", params: { workspaceId }, body: { type: "webhook", name: "Hook", config: { url: receiver.url } } });
    destinationId = created.json.destination.id;
    const a = await apiKeyContext(workspaceId, "Key A");
    const b = await apiKeyContext(workspaceId, "Key B");
    keyA = a.apiKey.id;
    const timing = (minutesAgo: number) => {
      const start = new Date(Date.now() - minutesAgo * 60_000);
      return { start: start.toISOString(), end: new Date(start.getTime() + 100).toISOString() };
    };
    const trace = (id: string, fields: Record<string, unknown>) =>
      traceInput.parse({ id, model: "openai/gpt-4o", request: { messages: [{ role: "user", content: "hi" }] }, timing: timing(1), ...fields });
    await acceptTraces(a, [
      trace("t-1", { session_id: "s-1", trace: { trace_name: "checkout" }, response: { id: "chatcmpl-1", messages: [] } }),
      trace("t-2", { session_id: "s-1", trace: { trace_name: "search" }, model: "anthropic/claude" }),
    ]);
    await drainDestination(destinationId);
    await acceptTraces(b, [trace("t-3", { session_id: "s-2", trace: { trace_name: "checkout" }, request: { messages: [{ role: "user", content: "refuse me" }] } })]);
    await drainDestination(destinationId);
    await acceptTraces(b, [trace("t-4", { trace: { trace_name: "checkout" }, response: { id: "chatcmpl-4", messages: [] } })]);
    await drainDestination(destinationId);
    await receiver.close();
    // The log orders by when queued: t-1 and t-2 an hour earlier than the others.
    await prisma.$executeRaw`UPDATE "TracePayload" SET "receivedAt" = "receivedAt" - interval '1 hour' WHERE data->>'id' IN ('t-1', 't-2')`;
  });

  it("finds a trace by its own id or its stored id, its generation id, trace name or session, in the log and among exception rows", async () => {
    expect(await search({})).toEqual(["t-1", "t-2", "t-3", "t-4"]);
    expect(await search({ traceId: "t-2" })).toEqual(["t-2"]);
    const [stored] = await prisma.$queryRaw<{ id: string }[]>`SELECT id FROM "TracePayload" WHERE data->>'id' = 't-3'`;
    expect(await search({ traceId: stored.id })).toEqual(["t-3"]);
    expect(await search({ generationId: "chatcmpl-4" })).toEqual(["t-4"]);
    expect(await search({ traceName: "checkout" })).toEqual(["t-1", "t-3", "t-4"]);
    expect(await search({ sessionId: "s-1" })).toEqual(["t-1", "t-2"]);
    // Exact matches: a part of an id finds nothing.
    expect(await search({ traceId: "t-" })).toEqual([]);
  });

  it("filters by API key, model, status and time range, and combines them with the search", async () => {
    expect(await search({ apiKeyId: keyA })).toEqual(["t-1", "t-2"]);
    expect(await search({ model: "anthropic/claude" })).toEqual(["t-2"]);
    expect(await search({ status: "failed" })).toEqual(["t-3"]);
    expect(await search({ status: "failed", traceName: "checkout" })).toEqual(["t-3"]);
    expect(await search({ status: "delivered", traceName: "checkout" })).toEqual(["t-1", "t-4"]);
    const halfHourAgo = new Date(Date.now() - 30 * 60_000).toISOString();
    expect(await search({ from: halfHourAgo })).toEqual(["t-3", "t-4"]);
    expect(await search({ to: halfHourAgo })).toEqual(["t-1", "t-2"]);
    expect(await search({ to: halfHourAgo, sessionId: "s-1", apiKeyId: keyA, model: "openai/gpt-4o" })).toEqual(["t-1"]);
    // A cleared field is no filter.
    expect(await search({ traceId: "", model: " " })).toHaveLength(4);
  });

  it("refuses a malformed filter with 400 naming it", async () => {
    const bad = async (filters: Record<string, string>) => (await call(deliveries.GET, { params: { workspaceId, destinationId }, search: filters })).json.error.fields[0].path;
    expect(await bad({ from: "yesterday" })).toBe("from");
    expect(await bad({ from: new Date().toISOString(), to: new Date(Date.now() - 1000).toISOString() })).toBe("to");
    expect(await bad({ traceId: "x".repeat(200) })).toBe("traceId");
  });
});

describe("on a workspace with many traces, every filter is an index range", () => {
  /** Traces in the workspace; each page read must stay far below it. */
  const TRACES = 200_000;
  const WS = "ws-search";
  const DEST = "dest-search";

  /** Rows the executor read in all the plan's nodes (those its filters dropped included), each counted once per loop. */
  const rowsRead = (plan: PlanNode): number =>
    planNodes(plan).reduce((n, node) => n + (node["Actual Rows"] + ((node as { "Rows Removed by Filter"?: number })["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"], 0);
  const seqScans = (plan: PlanNode): string[] => planNodes(plan).flatMap((node) => (node["Node Type"] === "Seq Scan" && node["Relation Name"] ? [node["Relation Name"]] : []));

  beforeAll(async () => {
    await prisma.$executeRawUnsafe(`INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('${WS}', 'Search', 'personal', now())`);
    await prisma.$executeRawUnsafe(
      `INSERT INTO "ApiKey" (id, "workspaceId", name, prefix, hash) SELECT 'key-' || i, '${WS}', 'Key ' || i, 'tc_', 'hash-search-' || i FROM generate_series(0, 3) i`,
    );
    await prisma.$executeRawUnsafe(`INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('${DEST}', '${WS}', 'webhook', 'Hook', '{}', now())`);
    // Realistic spread: a few models and API keys, sessions of ~20 traces, trace names that repeat,
    // a generation id on most; three quarters routed to the destination, one trace a second.
    await prisma.$executeRawUnsafe(
      `INSERT INTO "TracePayload" (id, "workspaceId", "apiKeyId", data, "sizeBytes", "receivedAt", routes)
       SELECT 'trace-' || i, '${WS}', 'key-' || (i % 4),
              jsonb_build_object('id', 'caller-' || i, 'model', 'model-' || (i % 8), 'session_id', 'session-' || (i / 20),
                                 'trace', jsonb_build_object('trace_name', 'name-' || (i % 500)),
                                 'response', CASE WHEN i % 10 = 0 THEN jsonb_build_object('id', null) ELSE jsonb_build_object('id', 'chatcmpl-' || i) END),
              400, now() - i * interval '1 second',
              CASE WHEN i % 4 = 0 THEN NULL ELSE jsonb_build_object('${DEST}', 1) END
         FROM generate_series(1, ${TRACES}) i`,
    );
    // The cursor half way: the newer half pending.
    await prisma.$executeRawUnsafe(
      `UPDATE "DeliveryCursor" c SET xid = t.xid, seq = t.seq FROM "TracePayload" t WHERE c."destinationId" = '${DEST}' AND t.id = 'trace-${TRACES / 2}'`,
    );
    // One exception row in a hundred (refused, replayed), most of them failed.
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "createdAt", "updatedAt")
       SELECT 'row-' || i, 'trace-' || i, '${DEST}', '${WS}', CASE WHEN i % 300 = 0 THEN 'delivered' ELSE 'failed' END::"DeliveryStatus",
              now() - i * interval '1 second', now()
         FROM generate_series(1, ${TRACES}) i WHERE i % 100 = 1`,
    );
    // The Delivery table also holds other destinations' rows: a page must not read them.
    await prisma.$executeRawUnsafe(`INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('dest-other', '${WS}', 'webhook', 'Other', '{}', now())`);
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Delivery" (id, "traceId", "destinationId", "workspaceId", status, "createdAt", "updatedAt")
       SELECT 'other-' || i, 'trace-' || i, 'dest-other', '${WS}', 'failed', now() - i * interval '1 second', now()
         FROM generate_series(1, ${TRACES}) i WHERE i % 4 = 0`,
    );
    await prisma.$executeRawUnsafe("ANALYZE");
  }, 600_000);

  const day = 86_400_000;
  const cases: [string, Record<string, string | number>][] = [
    ["no filter", {}],
    ["trace id", { traceId: "caller-123457" }],
    ["stored trace id", { traceId: "trace-123457" }],
    ["generation id", { generationId: "chatcmpl-98765" }],
    ["trace name", { traceName: "name-77" }],
    ["session", { sessionId: "session-4321" }],
    ["model", { model: "model-3" }],
    ["API key", { apiKeyId: "key-2" }],
    ["status failed", { status: "failed" }],
    ["status delivered, a day long ago", { status: "delivered", from: new Date(Date.now() - 2 * day).toISOString(), to: new Date(Date.now() - day).toISOString() }],
    ["trace name, model and API key in a time range", { traceName: "name-8", model: "model-0", apiKeyId: "key-0", from: new Date(Date.now() - 2 * day).toISOString() }],
  ];

  for (const [name, filters] of cases) {
    it(`${name}: no sequential scan, a bounded number of rows read`, async () => {
      const statement = deliveryPageStatement(WS, DEST, deliveriesQuery.parse(filters));
      const [{ "QUERY PLAN": plan }] = await prisma.$queryRaw<{ "QUERY PLAN": { Plan: PlanNode; "Execution Time": number }[] }[]>(
        Prisma.sql([`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.strings[0]}`, ...statement.strings.slice(1)], ...statement.values),
      );
      const shown = JSON.stringify(plan[0].Plan, ["Node Type", "Relation Name", "Index Name", "Plan Rows", "Actual Rows", "Actual Loops", "Rows Removed by Filter", "Filter", "Plans"]);
      expect(seqScans(plan[0].Plan).filter((relation) => relation === "TracePayload" || relation === "Delivery"), shown).toEqual([]);
      // A page is 51 rows; reading a few thousand is an index range, the workspace is TRACES.
      expect(rowsRead(plan[0].Plan), shown).toBeLessThan(TRACES / 20);
    });
  }
});

// The plans PostgreSQL chose for the raw statements the app's reads sent: the no-stall tests
// measure rows handled per statement rather than durations.
import { vi } from "vitest";
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

export type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
};

/**
 * The statements `read` sends through prisma.$queryRaw, each run again under EXPLAIN ANALYZE with
 * the planner settings it ran under (lib/db.ts queryInIndexOrder): their plans, root first. Run it
 * last in a file: a spy on the shared client leaves $queryRaw bound to it, and interactive
 * transactions after it would run their raw statements outside the transaction.
 */
export async function plansOf(read: () => Promise<unknown>): Promise<PlanNode[]> {
  const statements: { statement: Prisma.Sql; settings: string | null }[] = [];
  let settings: string | null = null;
  const queryRaw = prisma.$queryRaw.bind(prisma);
  const executeRawUnsafe = prisma.$executeRawUnsafe.bind(prisma);
  vi.spyOn(prisma, "$executeRawUnsafe").mockImplementation(((sql: string, ...values: unknown[]) => {
    if (sql.includes("set_config(")) settings = sql;
    return executeRawUnsafe(sql, ...values);
  }) as typeof prisma.$executeRawUnsafe);
  vi.spyOn(prisma, "$queryRaw").mockImplementation(((strings: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => {
    // Called as a tagged template or with a built Prisma.sql statement.
    statements.push({ statement: strings instanceof Prisma.Sql ? strings : Prisma.sql(strings, ...values), settings });
    settings = null;
    return strings instanceof Prisma.Sql ? queryRaw(strings) : queryRaw(strings, ...values);
  }) as typeof prisma.$queryRaw);
  try {
    await read();
  } finally {
    vi.restoreAllMocks();
  }
  const plans: PlanNode[] = [];
  for (const { statement, settings } of statements) {
    const explain = Prisma.sql([`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.strings[0]}`, ...statement.strings.slice(1)], ...statement.values);
    type Explained = { "QUERY PLAN": { Plan: PlanNode }[] }[];
    const [{ "QUERY PLAN": plan }] = settings
      ? (await prisma.$transaction([prisma.$executeRawUnsafe(settings), prisma.$queryRaw<Explained>(explain)]))[1]
      : await prisma.$queryRaw<Explained>(explain);
    plans.push(plan[0].Plan);
  }
  return plans;
}

/** Every node of a plan. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** The rows every node of a plan handled (its rows times its loops), summed: what the statement read and processed. */
export const rowsHandled = (node: PlanNode): number =>
  node["Actual Rows"] * node["Actual Loops"] + (node.Plans ?? []).reduce((n, child) => n + rowsHandled(child), 0);

/**
 * Workspace 'w1' with one webhook destination 'd1' (its cursor inserted by the trigger), written in
 * SQL like the traces the plan tests then store in bulk without ANALYZE.
 */
export async function insertPlanWorkspace(): Promise<void> {
  await prisma.$executeRawUnsafe(`INSERT INTO "Workspace" (id, name, kind, "updatedAt") VALUES ('w1', 'Plan', 'personal', now())`);
  await prisma.$executeRawUnsafe(`INSERT INTO "Destination" (id, "workspaceId", type, name, config, "updatedAt") VALUES ('d1', 'w1', 'webhook', 'Hook', '{}', now())`);
}

/**
 * `count` traces routed to 'd1' ('t0', 't1', …, 1,500 bytes each), in transactions of 10 as ingest
 * requests of 10 traces write them. No ANALYZE.
 */
export async function insertLogTraces(count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await prisma.$executeRawUnsafe(
      `INSERT INTO "TracePayload" (id, "workspaceId", data, "sizeBytes", routes)
       SELECT 't' || i, 'w1', jsonb_build_object('pad', repeat('x', 1500)), 1500, '{"d1": 1}' FROM generate_series(${i}, ${Math.min(count, i + 10) - 1}) i`,
    );
  }
}

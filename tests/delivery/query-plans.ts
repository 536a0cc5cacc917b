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
  Plans?: PlanNode[];
};

/**
 * The statements `read` sends through prisma.$queryRaw, each run again under EXPLAIN ANALYZE: their
 * plans, root first. Run it last in a file: a spy on the shared client leaves $queryRaw bound to it,
 * and interactive transactions after it would run their raw statements outside the transaction.
 */
export async function plansOf(read: () => Promise<unknown>): Promise<PlanNode[]> {
  const statements: Prisma.Sql[] = [];
  const queryRaw = prisma.$queryRaw.bind(prisma);
  vi.spyOn(prisma, "$queryRaw").mockImplementation(((strings: TemplateStringsArray, ...values: unknown[]) => {
    statements.push(Prisma.sql(strings, ...values));
    return queryRaw(strings, ...values);
  }) as typeof prisma.$queryRaw);
  try {
    await read();
  } finally {
    vi.restoreAllMocks();
  }
  const plans: PlanNode[] = [];
  for (const statement of statements) {
    const [{ "QUERY PLAN": plan }] = await prisma.$queryRaw<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
      Prisma.sql([`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.strings[0]}`, ...statement.strings.slice(1)], ...statement.values),
    );
    plans.push(plan[0].Plan);
  }
  return plans;
}

/** Every node of a plan. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** The rows every node of a plan handled (its rows times its loops), summed: what the statement read and processed. */
export const rowsHandled = (node: PlanNode): number =>
  node["Actual Rows"] * node["Actual Loops"] + (node.Plans ?? []).reduce((n, child) => n + rowsHandled(child), 0);

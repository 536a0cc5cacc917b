// "How many of the recent traces would this destination receive?": asked by the routing settings
// form while the user edits filter rules, API-key lists and the sampling rate, so the effect of a
// rule is visible before it is saved. Runs the ingest router itself on the workspace's recent
// traces, so the preview cannot disagree with what ingest will do.
import "server-only";
import type { z } from "zod";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { parseInput } from "@/lib/errors";
import { prisma } from "@/lib/db";
import { compileFilter, filterSubject } from "@/lib/routing/filters";
import { createRouter } from "@/lib/routing/route";
import type { Trace } from "@/lib/traces/schema";
import { createDestinationSchema } from "./schemas";

/** How many of the most recent traces a preview looks at (bounded: each is read in full). */
export const ROUTING_PREVIEW_TRACES = 200;

export const routingPreviewSchema = createDestinationSchema.pick({ filterRules: true, apiKeyInclude: true, apiKeyExclude: true, samplingRate: true });

export type RoutingPreview = {
  /** Recent traces looked at (test traces excluded), at most ROUTING_PREVIEW_TRACES. */
  considered: number;
  /** Of those, how many the filter rules match. */
  matchingFilters: number;
  /** Of those, how many would be delivered: filters, API-key lists and sampling together. */
  routed: number;
};

export async function previewRouting(ctx: WorkspaceContext, input: z.input<typeof routingPreviewSchema>): Promise<RoutingPreview> {
  const settings = parseInput(routingPreviewSchema, input);
  const rows = await prisma.tracePayload.findMany({
    where: { workspaceId: ctx.workspace.id, isTest: false },
    orderBy: { receivedAt: "desc" },
    take: ROUTING_PREVIEW_TRACES,
    select: { data: true, apiKeyId: true },
  });
  const matches = compileFilter(settings.filterRules);
  const route = createRouter([{ id: "preview", enabled: true, status: "active", ...settings }]);
  let matchingFilters = 0;
  let routed = 0;
  for (const row of rows) {
    const trace = row.data as unknown as Trace;
    if (matches(filterSubject(trace))) matchingFilters++;
    if (route(trace, row.apiKeyId).length) routed++;
  }
  return { considered: rows.length, matchingFilters, routed };
}

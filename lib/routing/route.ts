// Routing: which destinations receive a trace. Decided once, at ingest, per destination, and
// recorded with the trace (TracePayload.routes: the delivery log, lib/delivery/log.ts). The
// workspace's broadcast switch is the caller's check.
// What happens to a new trace, by the state of the destination and the workspace:
//   active                 queued and delivered
//   paused / auto-paused   queued and held (the cursor waits): delivered when the destination is resumed
//   disabled               not queued (a replay can send it later)
//   deleted                nothing
//   broadcast off          stored, queued for no destination (a replay can send it later)
import type { Destination } from "@/lib/generated/prisma/client";
import { compileFilter, filterSubject } from "@/lib/routing/filters";
import { isSampled, samplingKey, samplingPoint } from "@/lib/routing/sampling";
import type { Trace } from "@/lib/traces/schema";

/** The destination columns routing reads (select exactly these when loading). */
export type RoutableDestination = Pick<
  Destination,
  "id" | "enabled" | "status" | "apiKeyInclude" | "apiKeyExclude" | "filterRules" | "samplingRate"
>;

export const ROUTABLE_DESTINATION_SELECT = {
  id: true,
  enabled: true,
  status: true,
  apiKeyInclude: true,
  apiKeyExclude: true,
  filterRules: true,
  samplingRate: true,
} as const satisfies Record<keyof RoutableDestination, true>;

/** `held`: the destination is paused or auto-paused, so the trace waits for Resume (no drain is kicked). */
export type RouteDecision = { destinationId: string; samplingRate: number; held: boolean };

export type Router = (trace: Trace, apiKeyId: string | null) => RouteDecision[];

/**
 * Prepares routing to a set of destinations (filters compiled once), for routing many traces.
 * A destination receives a trace when it is enabled (paused and auto-paused ones too: their traces
 * wait until Resume, not lost), the API key passes its include list (empty = every key) and is not in its exclude list, its filter
 * rules match, and the trace is sampled in at its rate. A trace sent without an API key (the
 * "Send test trace" action) passes only destinations with an empty include list: an include list
 * names keys, and a keyless trace is none of them.
 */
export function createRouter(destinations: RoutableDestination[]): Router {
  const routes = destinations
    .filter((d) => d.enabled)
    .map((d) => ({
      id: d.id,
      held: d.status !== "active",
      include: d.apiKeyInclude.length ? new Set(d.apiKeyInclude) : null,
      exclude: new Set(d.apiKeyExclude),
      matches: compileFilter(d.filterRules),
      rate: d.samplingRate,
    }));
  return (trace, apiKeyId) => {
    if (routes.length === 0) return [];
    const subject = filterSubject(trace);
    const point = samplingPoint(samplingKey(trace));
    const decisions: RouteDecision[] = [];
    for (const r of routes) {
      if (r.include && (apiKeyId === null || !r.include.has(apiKeyId))) continue;
      if (apiKeyId !== null && r.exclude.has(apiKeyId)) continue;
      if (!isSampled(point, r.rate)) continue;
      if (!r.matches(subject)) continue;
      decisions.push({ destinationId: r.id, samplingRate: r.rate, held: r.held });
    }
    return decisions;
  };
}

// Routing: which destinations receive a trace. Decided once, at ingest, per destination, and
// recorded with the trace (TracePayload.routes: the delivery log, lib/delivery/log.ts), with why
// each other destination did not get it (TracePayload.notSent: not-sent.ts). The workspace's
// broadcast switch is the caller's check.
// What happens to a new trace, by the state of the destination and the workspace:
//   active                 queued and delivered
//   paused / auto-paused   queued and held (the cursor waits): delivered when the destination is resumed
//   disabled               not queued (a replay can send it later)
//   deleted                nothing
//   broadcast off          stored, queued for no destination (a replay can send it later)
import type { Destination } from "@/lib/generated/prisma/client";
import { explainFilter, filterSubject } from "@/lib/routing/filters";
import type { NotSentReason, NotSentReasons } from "@/lib/routing/not-sent";
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

/** Told why each destination the trace is not routed to did not get it (lib/routing/not-sent.ts). */
export type NotSentRecorder = (destinationId: string, reason: NotSentReason) => void;

export type Router = {
  (trace: Trace, apiKeyId: string | null, onNotSent?: NotSentRecorder): RouteDecision[];
  /** Why each destination gets nothing while the workspace's Broadcast is off (null: it has none). */
  readonly whileBroadcastOff: NotSentReasons | null;
};

const DISABLED: NotSentReason = { r: "disabled" };
const BROADCAST_OFF: NotSentReason = { r: "broadcast_off" };
const KEY_NOT_INCLUDED: NotSentReason = { r: "key_not_included" };
const KEY_EXCLUDED: NotSentReason = { r: "key_excluded" };

/**
 * Prepares routing to a set of destinations (filters compiled once), for routing many traces.
 * A destination receives a trace when it is enabled (paused and auto-paused ones too: their traces
 * wait until Resume, not lost), the API key passes its include list (empty = every key) and is not in its exclude list, its filter
 * rules match, and the trace is sampled in at its rate. A trace sent without an API key (the
 * "Send test trace" action) passes only destinations with an empty include list: an include list
 * names keys, and a keyless trace is none of them.
 * `onNotSent` hears, for every other destination, the first of those checks that failed (the
 * checks run in that order); its reasons are built once here, so telling costs no allocation.
 */
export function createRouter(destinations: RoutableDestination[]): Router {
  const disabled = destinations.filter((d) => !d.enabled).map((d) => d.id);
  const routes = destinations
    .filter((d) => d.enabled)
    .map((d) => ({
      id: d.id,
      held: d.status !== "active",
      include: d.apiKeyInclude.length ? new Set(d.apiKeyInclude) : null,
      exclude: new Set(d.apiKeyExclude),
      explain: explainFilter(d.filterRules),
      rate: d.samplingRate,
      sampledOut: { r: "sampled_out", rate: d.samplingRate } satisfies NotSentReason,
    }));
  const router = (trace: Trace, apiKeyId: string | null, onNotSent?: NotSentRecorder): RouteDecision[] => {
    if (onNotSent) for (const id of disabled) onNotSent(id, DISABLED);
    if (routes.length === 0) return [];
    const subject = filterSubject(trace);
    const point = samplingPoint(samplingKey(trace));
    const decisions: RouteDecision[] = [];
    for (const r of routes) {
      if (r.include && (apiKeyId === null || !r.include.has(apiKeyId))) {
        onNotSent?.(r.id, KEY_NOT_INCLUDED);
      } else if (apiKeyId !== null && r.exclude.has(apiKeyId)) {
        onNotSent?.(r.id, KEY_EXCLUDED);
      } else if (!isSampled(point, r.rate)) {
        onNotSent?.(r.id, r.sampledOut);
      } else {
        const held = r.explain(subject);
        if (held) onNotSent?.(r.id, held);
        else decisions.push({ destinationId: r.id, samplingRate: r.rate, held: r.held });
      }
    }
    return decisions;
  };
  const whileBroadcastOff = destinations.length
    ? Object.fromEntries(destinations.map((d) => [d.id, d.enabled ? BROADCAST_OFF : DISABLED]))
    : null;
  return Object.assign(router, { whileBroadcastOff });
}

// A governed broadcast change, declared on its route once: `governed(action, request)` is the
// handler of a workspace route that performs `action` (an entry of lib/governance/actions.ts, which
// declares everything the action does), with `request` saying where its target and payload come
// from in the request:
//
//   governed("destination.pause", ({ params }) => ({ targetId: params.destinationId, payload: {} }))
//
// A member of an organization proposes the change: 202 {changeRequest}. Anyone else performs it
// (lib/governance/perform.ts) and gets the action's result: 201 when it created its target, 204
// when it has none, else 200. A dry run (`dryRun: true`, the requeues) only reads and is answered
// for anyone, never proposed.
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { performOrPropose } from "@/lib/governance/perform";
import type { GovernedChange } from "@/lib/governance/actions";
import type { GovernedActionName } from "@/lib/governance/vocabulary";
import { JsonReply } from "./reply";

type ChangeOfRequest = Omit<GovernedChange, "action"> & { dryRun?: boolean };

export function governed<N extends GovernedActionName, Args extends { ctx: WorkspaceContext }>(
  action: N,
  request: (args: Args) => ChangeOfRequest,
): (args: Args) => Promise<Response | JsonReply> {
  return async (args) => {
    const outcome = await performOrPropose(args.ctx, { action, ...request(args) });
    if (outcome.kind === "proposed") return new JsonReply({ changeRequest: outcome.changeRequest }, 202);
    if (outcome.result === undefined) return new Response(null, { status: 204 });
    return new JsonReply(outcome.result, outcome.created ? 201 : 200);
  };
}

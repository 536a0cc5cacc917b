// A governed broadcast change declared on its route, once: `governed(change, handler)` wraps the
// handler of a workspace route. `change` says what the request would change (null for a dry run,
// which only reads); for a caller whose changes need an admin's approval (a member of an
// organization) the change is proposed instead of running the handler (lib/governance/propose.ts),
// answered 202 {changeRequest}. The handler's own applyX still refuses a member (assertDirectChange).
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { proposeIfRequired, type Proposal } from "@/lib/governance/propose";
import { JsonReply } from "./reply";

type Answer = Promise<Response | JsonReply>;

export function governed<Args extends { ctx: WorkspaceContext }>(change: (args: Args) => Proposal | null, handler: (args: Args) => Answer): (args: Args) => Answer {
  return async (args) => {
    const proposal = change(args);
    const changeRequest = proposal ? await proposeIfRequired(args.ctx, proposal) : null;
    return changeRequest ? new JsonReply({ changeRequest }, 202) : handler(args);
  };
}

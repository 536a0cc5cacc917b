// Performing a governed change, for the session routes (lib/api/governed.ts) and the management API
// alike: a member of an organization proposes it (lib/governance/propose.ts); anyone else performs
// the action's entry of ACTIONS: payload parsed, `apply` in one transaction, then `afterCommit`,
// which gives the result. Approving a request runs the same entry (lib/governance/decide.ts).
import "server-only";
import { parseInput } from "@/lib/errors";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { assertDirectChange } from "@/lib/broadcast/changes";
import { ACTIONS, completeAction, type GovernedAction, type GovernedChange, type ResultOf } from "./actions";
import { proposeChange } from "./propose";
import type { ChangeRequestView } from "./requests";
import type { GovernedActionName } from "./vocabulary";

/** An admin's own change (403 approval_required for a member of an organization): the action's result. */
export async function performChange<N extends GovernedActionName>(ctx: WorkspaceContext, change: GovernedChange<N>): Promise<ResultOf<N>> {
  const actor = assertDirectChange(ctx);
  const spec: GovernedAction = ACTIONS[change.action];
  const payload = parseInput(spec.payload, change.payload);
  const applied = await prisma.$transaction((tx) => spec.apply(tx, actor, change.targetId, payload));
  // The entry of `change.action` gives that action's result.
  return (await completeAction(spec, { actor, targetId: change.targetId, payload, applied })) as ResultOf<N>;
}

/** What the change would do, counted without changing anything: anyone who may ask for the change may ask for this. */
export async function dryRunChange<N extends GovernedActionName>(ctx: WorkspaceContext, change: GovernedChange<N>): Promise<ResultOf<N>> {
  const spec: GovernedAction = ACTIONS[change.action];
  if (!spec.dryRun) throw new Error(`${change.action} has no dry run`);
  const payload = parseInput(spec.payload, change.payload);
  return (await spec.dryRun({ workspaceId: ctx.workspace.id, user: ctx.user }, change.targetId, payload)) as ResultOf<N>;
}

export type ChangeOutcome<N extends GovernedActionName> =
  | { kind: "proposed"; changeRequest: ChangeRequestView }
  /** `created`: the change made its target (a new destination). */
  | { kind: "performed"; result: ResultOf<N>; created: boolean };

/**
 * The caller's change: proposed when their role requires an admin's approval (a member of an
 * organization), performed otherwise. A dry run only reads, so it is answered for anyone and
 * never proposed.
 */
export async function performOrPropose<N extends GovernedActionName>(
  ctx: WorkspaceContext,
  change: GovernedChange<N> & { dryRun?: boolean },
): Promise<ChangeOutcome<N>> {
  const { dryRun, ...asked } = change;
  if (dryRun) return { kind: "performed", result: await dryRunChange(ctx, asked), created: false };
  if (broadcastChangeMode(ctx.membership.role, ctx.workspace.kind) === "propose") {
    return { kind: "proposed", changeRequest: await proposeChange(ctx, asked.action, asked.targetId, asked.payload) };
  }
  return { kind: "performed", result: await performChange(ctx, asked), created: ACTIONS[asked.action].target === null };
}

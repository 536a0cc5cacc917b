// What proposing, deciding and reading change requests share: the view type, the stored payload
// (secret values encrypted under the key ring, bound to the request's id) and the lookups.
import "server-only";
import { ApiError, notFound, parseInput } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { decryptJson } from "@/lib/crypto/keyring";
import { prisma } from "@/lib/db";
import type { StoredSecrets } from "@/lib/broadcast/stored-config";
import type { ChangeRequest, ChangeRequestStatus, Prisma } from "@/lib/generated/prisma/client";
import { ACTIONS, type TargetKind } from "./actions";
import type { DiffEntry } from "./diff";
import { GOVERNED_ACTIONS, type GovernedActionName } from "./vocabulary";

export type Tx = Prisma.TransactionClient;

export type Person = { id: string; email: string; name: string | null };

export type ChangeRequestView = {
  id: string;
  action: GovernedActionName;
  /** "Update “Prod Langfuse”". */
  title: string;
  targetType: TargetKind;
  targetId: string | null;
  targetName: string | null;
  /** The destination it names exists (not deleted): the request can link to it. */
  targetExists: boolean;
  status: ChangeRequestStatus;
  comment: string | null;
  /** Rejection reason, or why the request became a conflict. */
  reason: string | null;
  diff: DiffEntry[];
  proposer: Person;
  decider: Person | null;
  createdAt: Date;
  decidedAt: Date | null;
  /** Pending, but the target changed since the proposal: approving it would mark it conflict. */
  stale: boolean;
};

/** The version marker of the broadcast switch (the workspace has no version column). */
export const broadcastMarker = (enabled: boolean) => (enabled ? 1 : 0);

export const ownerOf = (id: string) => ({ kind: "changeRequest" as const, id });

/** The payload the proposer sent, secrets restored, parsed again as the action's input. */
export function restorePayload(request: ChangeRequest): unknown {
  const spec = ACTIONS[request.action as GovernedActionName];
  const payload = { ...(request.payload as Record<string, unknown>) };
  if (request.secrets) {
    const secrets = decryptJson<StoredSecrets>(request.secrets, ownerOf(request.id));
    payload.config = { ...(payload.config as Record<string, unknown>), ...secrets };
  }
  return parseInput(spec.payload, payload);
}

export const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

export function actionOf(value: string): GovernedActionName {
  if (!(GOVERNED_ACTIONS as readonly string[]).includes(value)) throw new Error(`unknown change request action "${value}"`);
  return value as GovernedActionName;
}

export async function findRequest(db: Tx | typeof prisma, ctx: WorkspaceContext, id: string): Promise<ChangeRequest> {
  const row = await db.changeRequest.findFirst({ where: { id, workspaceId: ctx.workspace.id } });
  if (!row) throw notFound("Change request");
  return row;
}

export const notPending = (status: ChangeRequestStatus) => new ApiError(409, "not_pending", `This change request is already ${status}`);


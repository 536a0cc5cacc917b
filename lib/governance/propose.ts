// Proposing: in an organization a member's broadcast change is saved for an admin to approve
// instead of being applied (docs/architecture.md). A proposal is validated exactly like the direct
// path (the action's entry of ACTIONS, run in a transaction that is rolled back), and stored with
// its secret values encrypted under the key ring (bound to the request's id), the diff and the
// target's version. Whether a caller performs or proposes is decided in perform.ts.
import "server-only";
import { z } from "zod";
import { ApiError, notFound, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { encryptJson } from "@/lib/crypto/keyring";
import { prisma } from "@/lib/db";
import { secretKeysOf } from "@/lib/destinations/define";
import { getDefinition } from "@/lib/destinations/registry";
import { hasSecretValue, isMaskedValue } from "@/lib/outbound/masking";
import type { ChangeActor } from "@/lib/broadcast/schemas";
import { openSecrets, type StoredSecrets } from "@/lib/broadcast/stored-config";
import { ACTIONS } from "./actions";
import type { DiffEntry } from "./diff";
import { asJson, broadcastMarker, findRequest, notPending, ownerOf, type ChangeRequestView } from "./requests";
import { getChangeRequest } from "./views";
import type { GovernedActionName } from "./vocabulary";

const ROLLBACK = Symbol("preview rollback");

/**
 * What the change would do, by doing it in a transaction that is then rolled back: the proposal is
 * validated by the very code that will apply it (config schema, API keys of the workspace, the
 * per-type limit, the target's existence), and the diff is read from the result.
 */
async function previewChange(action: GovernedActionName, actor: ChangeActor, targetId: string | null, payload: unknown): Promise<DiffEntry[]> {
  const spec = ACTIONS[action];
  if (spec.previewReadsOnly) return spec.preview(prisma, actor, targetId, payload);
  let diff: DiffEntry[] = [];
  try {
    await prisma.$transaction(
      async (tx) => {
        diff = await spec.preview(tx, actor, targetId, payload);
        throw ROLLBACK;
      },
      { timeout: 60_000 },
    );
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return diff;
}

/**
 * Splits the proposed config into what is stored in the clear and the secret values, which are
 * encrypted. A secret sent back masked (the value the UI shows) means "unchanged" and is dropped.
 * Custom headers are encrypted whole, their masks included: approving resolves them header by
 * header against the stored values, like a direct update (the version check keeps those unchanged).
 */
function separateSecrets(type: string, payload: Record<string, unknown>, stored: StoredSecrets) {
  const config = payload.config as Record<string, unknown> | undefined;
  const def = getDefinition(type);
  if (!config || !def) return { payload, secrets: {} };
  const plain: Record<string, unknown> = {};
  const secrets: StoredSecrets = {};
  const secretKeys = new Set(secretKeysOf(def));
  for (const [key, value] of Object.entries(config)) {
    const storedValue = stored[key];
    if (!secretKeys.has(key) || !hasSecretValue(value)) plain[key] = value;
    else if (!(typeof storedValue === "string" && isMaskedValue(value, storedValue))) secrets[key] = value;
  }
  return { payload: { ...payload, config: plain }, secrets };
}

/**
 * Saves a change as a pending request. A payload the direct path would refuse is refused here
 * the same way (400 naming the field, 404, 409 limit_reached); a change that would change
 * nothing is 409 no_change.
 */
export async function proposeChange(ctx: WorkspaceContext, action: GovernedActionName, targetId: string | null, rawPayload: unknown): Promise<ChangeRequestView> {
  const spec = ACTIONS[action];
  const payload = parseInput(spec.payload, rawPayload) as Record<string, unknown>;
  const actor: ChangeActor = { workspaceId: ctx.workspace.id, user: ctx.user };
  let baseVersion: number | null = null;
  let storedSecrets: StoredSecrets = {};
  let type: string | undefined = typeof payload.type === "string" ? payload.type : undefined;
  let targetName: string | null = null;
  if (spec.target === "destination") {
    const row = await prisma.destination.findFirst({ where: { id: targetId ?? "", workspaceId: ctx.workspace.id, deletedAt: null } });
    if (!row) throw notFound("Destination");
    baseVersion = row.version;
    type = row.type;
    targetName = row.name;
    if (payload.config) storedSecrets = openSecrets(row.id, row.secrets);
  } else if (spec.target === "workspace") {
    targetId = ctx.workspace.id;
    const ws = await prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } });
    baseVersion = broadcastMarker(ws.broadcastEnabled);
  } else targetId = null;

  const diff = await previewChange(action, actor, targetId, payload);
  if (diff.length === 0) throw new ApiError(409, "no_change", "This change would not change anything: the settings are already like that");
  const split = type ? separateSecrets(type, payload, storedSecrets) : { payload, secrets: {} };

  const id = await prisma.$transaction(async (tx) => {
    const created = await tx.changeRequest.create({
      data: { workspaceId: ctx.workspace.id, proposerId: ctx.user.id, action, targetId, payload: asJson(split.payload), baseVersion, diff: asJson(diff) },
    });
    // The ciphertext is bound to the request's id, which exists only now.
    if (Object.keys(split.secrets).length) {
      await tx.changeRequest.update({ where: { id: created.id }, data: { secrets: encryptJson(split.secrets, ownerOf(created.id)) } });
    }
    await recordAudit(tx, {
      workspaceId: ctx.workspace.id,
      actor: ctx.user,
      action: "changeRequest.propose",
      targetType: "changeRequest",
      targetId: created.id,
      after: asJson({ title: spec.title(targetName, payload), action, targetType: spec.target, targetId, diff }),
    });
    return created.id;
  });
  return getChangeRequest(ctx, id);
}

export const commentSchema = z.object({ comment: z.string().trim().max(1000, "At most 1000 characters").nullable() }).strict();

/** The proposer's note for the reviewers, editable while the request is pending. */
export async function setComment(ctx: WorkspaceContext, id: string, input: z.input<typeof commentSchema>): Promise<ChangeRequestView> {
  const { comment } = parseInput(commentSchema, input);
  const request = await findRequest(prisma, ctx, id);
  if (request.proposerId !== ctx.user.id) throw new ApiError(403, "forbidden", "Only the person who proposed a change can comment on it");
  const { count } = await prisma.changeRequest.updateMany({ where: { id, workspaceId: ctx.workspace.id, status: "pending" }, data: { comment: comment || null } });
  if (count === 0) throw notPending(request.status);
  return getChangeRequest(ctx, id);
}

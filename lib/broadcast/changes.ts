// The changes to a workspace's destinations and Broadcast switch. Every change is one
// `applyX(tx, actor, input)` function that validates (configs against their definition, secrets
// only with the target they were saved for, API keys of the workspace) and applies atomically, with
// its audit event. Each governed action's entry in lib/governance/actions.ts runs them, for an
// admin's own change (lib/governance/perform.ts) and for an approved change request alike
// (lib/governance/decide.ts, re-validated against the then-current state). A member of an
// organization proposes instead; assertDirectChange stays as the last guard (403).
import "server-only";
import { z } from "zod";
import { isDeepStrictEqual } from "node:util";
import { ApiError, notFound, parseInput, validationError, type FieldIssue } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import { diffOfDestination } from "@/lib/governance/snapshot";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { lockWorkspace } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import { invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { replayCandidates, requeueFailed, requeueTrace } from "@/lib/delivery/requeue";
import { resolveDelivery } from "@/lib/delivery/detail";
import { Prisma, type Destination } from "@/lib/generated/prisma/client";
import { fieldsOf, secretKeysOf, targetKeysOf } from "@/lib/destinations/define";
import { hasSecretValue, unmaskSecret } from "@/lib/outbound/masking";
import { holdsClearSecrets, sealSecrets, splitSecrets, storedConfigOf } from "./stored-config";
import type { DestinationDefinition } from "@/lib/destinations/types";
import { MAX_DESTINATIONS_PER_TYPE, broadcastSchema, createDestinationSchema, type ChangeActor, type CreateDestinationInput, type UpdateDestinationInput, updateDestinationSchema } from "./schemas";
import { auditState, definitionFor, findDestination, toView, type DestinationView } from "./views";

type Tx = Prisma.TransactionClient;
type Definition = DestinationDefinition;

// ───────────── validation helpers ─────────────

/** Validates a full config against the definition; 400 naming `config.<field>`. */
function validateConfig(def: Definition, config: Record<string, unknown>): Record<string, unknown> {
  const parsed = def.config.safeParse(config);
  if (!parsed.success) throw validationError(parsed.error, "body", ["config"]);
  return parsed.data as Record<string, unknown>;
}

/**
 * The validated config an update (or an unsaved test of an existing destination) means: the stored config
 * with the given keys applied. A secret sent back masked, or omitted, keeps the stored secret (for
 * custom headers: each value sent back masked); null removes an optional key. A mask that matches
 * no stored value is 400 naming it (`config.headers.<name>`): it is not a value to send anywhere.
 * Saved secrets are reused only while the fields that decide where requests go are unchanged
 * (assertSecretsStayWithTarget).
 */
export function mergeConfig(def: Definition, stored: Destination | null, patch: Record<string, unknown>): Record<string, unknown> {
  const current: Record<string, unknown> = stored ? storedConfigOf(stored) : {};
  const secretKeys = new Set(secretKeysOf(def));
  const merged = { ...current };
  const unmatched: FieldIssue[] = [];
  /** Paths (`config.…`) of the saved secrets the merged config reuses. */
  const reused = [...secretKeys].filter((key) => !(key in patch) && hasSecretValue(current[key])).map((key) => `config.${key}`);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete merged[key];
    } else if (secretKeys.has(key)) {
      const secret = unmaskSecret(value, current[key]);
      merged[key] = secret.value;
      for (const path of secret.unmatchedMasks) {
        unmatched.push({ path: ["config", key, ...path].join("."), message: "Is a masked value with no saved value behind it: enter the real value" });
      }
      reused.push(...secret.kept.map((path) => ["config", key, ...path].join(".")));
    } else merged[key] = value;
  }
  if (unmatched.length) throw new ApiError(400, "invalid_request", `Invalid body: ${unmatched[0].path}: ${unmatched[0].message}`, unmatched);
  const config = validateConfig(def, merged);
  assertSecretsStayWithTarget(def, current, config, reused);
  return config;
}

/** A stored field's value as the definition reads it (defaults applied), to compare with a validated config's. */
function normalizedField(def: Definition, key: string, value: unknown): string | undefined {
  const parsed = (def.config.shape[key] as z.ZodType | undefined)?.safeParse(value);
  return JSON.stringify(parsed?.success ? parsed.data : value);
}

/**
 * A secret is sent only where it was saved for: when a field that decides where requests go (URL,
 * host, region, account: FieldMeta.target) differs from the saved one, every saved secret the
 * config would reuse must be entered again (400 naming each). Otherwise anyone allowed to test or
 * propose a change could point the saved credentials at an address of their own and read them there.
 */
function assertSecretsStayWithTarget(def: Definition, stored: Record<string, unknown>, config: Record<string, unknown>, reused: string[]) {
  if (reused.length === 0) return;
  const fields = fieldsOf(def);
  const changed = targetKeysOf(def).filter((key) => normalizedField(def, key, stored[key]) !== JSON.stringify(config[key]));
  if (changed.length === 0) return;
  const labels = changed.map((key) => fields.find((f) => f.key === key)?.label ?? key).join(", ");
  const message = `Enter it again: saved secrets are only sent to the address they were saved for, and ${labels} changed`;
  throw new ApiError(
    400,
    "secrets_required",
    `${labels} changed: enter the saved secrets again (${reused.join(", ")}); they are only sent to the address they were saved for`,
    reused.map((path) => ({ path, message })),
  );
}

async function assertApiKeysOfWorkspace(tx: Tx, workspaceId: string, input: { apiKeyInclude?: string[]; apiKeyExclude?: string[] }) {
  for (const field of ["apiKeyInclude", "apiKeyExclude"] as const) {
    const ids = [...new Set(input[field] ?? [])];
    if (ids.length === 0) continue;
    const found = await tx.apiKey.findMany({ where: { workspaceId, id: { in: ids } }, select: { id: true } });
    const known = new Set(found.map((k) => k.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) {
      throw new ApiError(400, "invalid_request", `${field} names API keys that are not keys of this workspace`, [
        { path: field, message: `Unknown API key id(s): ${unknown.join(", ")}` },
      ]);
    }
  }
}

/** 403 approval_required for members of organizations (their changes need an admin's approval). */
export function assertDirectChange(ctx: WorkspaceContext): ChangeActor {
  if (broadcastChangeMode(ctx.membership.role, ctx.workspace.kind) === "propose") {
    throw new ApiError(403, "approval_required", "In an organization, broadcast changes by members need an admin's approval");
  }
  return { workspaceId: ctx.workspace.id, user: ctx.user };
}

// ───────────── changes (applyX: one transaction each, audited) ─────────────

export async function applySetBroadcast(tx: Tx, actor: ChangeActor, input: z.input<typeof broadcastSchema>) {
  const { enabled } = parseInput(broadcastSchema, input);
  const before = await tx.workspace.findUniqueOrThrow({ where: { id: actor.workspaceId }, select: { broadcastEnabled: true } });
  if (before.broadcastEnabled === enabled) return { enabled };
  await tx.workspace.update({ where: { id: actor.workspaceId }, data: { broadcastEnabled: enabled } });
  // Deliveries held while it was off get their retry window from now (lib/delivery/drain.ts).
  if (enabled) await tx.destination.updateMany({ where: { workspaceId: actor.workspaceId, deletedAt: null }, data: { resumedAt: new Date() } });
  invalidateIngestConfig(actor.workspaceId);
  await recordAudit(tx, {
    workspaceId: actor.workspaceId,
    actor: actor.user,
    action: "broadcast.set",
    targetType: "workspace",
    targetId: actor.workspaceId,
    before: { broadcastEnabled: before.broadcastEnabled },
    after: { broadcastEnabled: enabled },
  });
  return { enabled };
}

export async function applyCreateDestination(tx: Tx, actor: ChangeActor, input: CreateDestinationInput): Promise<DestinationView> {
  const data = parseInput(createDestinationSchema, input);
  const def = definitionFor(data.type);
  const config = validateConfig(def, data.config);
  await assertApiKeysOfWorkspace(tx, actor.workspaceId, data);
  // Serializes creates in the workspace, so two concurrent requests cannot both pass the limit.
  await lockWorkspace(tx, actor.workspaceId);
  const sameType = await tx.destination.count({ where: { workspaceId: actor.workspaceId, type: def.type, deletedAt: null } });
  if (sameType >= MAX_DESTINATIONS_PER_TYPE) {
    throw new ApiError(409, "limit_reached", `A workspace can have at most ${MAX_DESTINATIONS_PER_TYPE} ${def.name} destinations`);
  }
  const { plain, secrets } = splitSecrets(def, config);
  const created = await tx.destination.create({
    data: {
      workspaceId: actor.workspaceId,
      type: def.type,
      name: data.name,
      enabled: data.enabled,
      privacyMode: data.privacyMode,
      samplingRate: data.samplingRate,
      apiKeyInclude: data.apiKeyInclude,
      apiKeyExclude: data.apiKeyExclude,
      filterRules: data.filterRules ?? undefined,
      regions: data.regions,
      broadcastGenerationCost: data.broadcastGenerationCost,
      broadcastGenerationIdentity: data.broadcastGenerationIdentity,
      broadcastGenerationRequestContext: data.broadcastGenerationRequestContext,
      config: plain as Prisma.InputJsonObject,
    },
  });
  // The ciphertext is bound to the row id, which exists only now.
  const row = await tx.destination.update({ where: { id: created.id }, data: { secrets: sealSecrets(created.id, secrets) } });
  invalidateIngestConfig(actor.workspaceId);
  const view = toView(row);
  await recordAudit(tx, {
    workspaceId: actor.workspaceId,
    actor: actor.user,
    action: "destination.create",
    targetType: "destination",
    targetId: row.id,
    after: auditState(view),
    changes: await diffOfDestination(tx, actor.workspaceId, null, row),
  });
  return view;
}

export async function applyUpdateDestination(
  tx: Tx,
  actor: ChangeActor,
  input: { destinationId: string; patch: UpdateDestinationInput },
): Promise<DestinationView> {
  const patch = parseInput(updateDestinationSchema, input.patch);
  const row = await findDestination(tx, actor.workspaceId, input.destinationId);
  const def = definitionFor(row.type);
  await assertApiKeysOfWorkspace(tx, actor.workspaceId, patch);
  const data: Prisma.DestinationUpdateInput = {};
  // Any update of a row that still holds secret values in clear (stored-config.ts) moves them.
  const config = patch.config
    ? mergeConfig(def, row, patch.config)
    : holdsClearSecrets(def, row.config)
      ? storedConfigOf(row)
      : null;
  if (config) {
    const { plain, secrets } = splitSecrets(def, config);
    data.config = plain as Prisma.InputJsonObject;
    data.secrets = sealSecrets(row.id, secrets);
  }
  for (const key of ["name", "enabled", "privacyMode", "samplingRate", "apiKeyInclude", "apiKeyExclude", "regions", "broadcastGenerationCost", "broadcastGenerationIdentity", "broadcastGenerationRequestContext"] as const) {
    if (patch[key] !== undefined) (data as Record<string, unknown>)[key] = patch[key];
  }
  if (patch.filterRules !== undefined) data.filterRules = patch.filterRules === null ? Prisma.DbNull : patch.filterRules;
  // A save that changes nothing (the same values sent back) is not a change: no version, no audit entry.
  if (!changesRow(def, row, data, config)) return toView(row);
  // Enabled again: deliveries held while it was disabled get their retry window from now.
  if (patch.enabled && !row.enabled) data.resumedAt = new Date();
  const before = toView(row);
  const updated = await tx.destination.update({ where: { id: row.id }, data: { ...data, version: { increment: 1 } } });
  invalidateIngestConfig(actor.workspaceId);
  const after = toView(updated);
  await recordAudit(tx, {
    workspaceId: actor.workspaceId,
    actor: actor.user,
    action: "destination.update",
    targetType: "destination",
    targetId: row.id,
    before: auditState(before),
    after: auditState(after),
    // Secrets compared while their values are in memory: the log says set / changed / removed only.
    changes: await diffOfDestination(tx, actor.workspaceId, row, updated),
  });
  return after;
}

/** Whether an update's data differs from the row (configs compared decrypted and validated). */
function changesRow(def: Definition, row: Destination, data: Prisma.DestinationUpdateInput, config: Record<string, unknown> | null): boolean {
  const same = (a: unknown, b: unknown) => isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
  if (config) {
    const stored = def.config.safeParse(storedConfigOf(row)); // defaults applied, as `config` has them
    if (holdsClearSecrets(def, row.config) || !stored.success || !same(config, stored.data)) return true;
  }
  return Object.entries(data).some(([key, value]) => {
    if (key === "config" || key === "secrets") return false;
    if (key === "filterRules") return !same(value === Prisma.DbNull ? null : value, row.filterRules);
    return !same(value, row[key as keyof Destination]);
  });
}

export async function applyDeleteDestination(tx: Tx, actor: ChangeActor, input: { destinationId: string }): Promise<void> {
  const row = await findDestination(tx, actor.workspaceId, input.destinationId);
  const deletedAt = new Date();
  await tx.destination.update({ where: { id: row.id }, data: { deletedAt, version: { increment: 1 } } });
  invalidateIngestConfig(actor.workspaceId);
  // Queued deliveries will never be sent: mark them dropped so the ledger says so.
  await tx.delivery.updateMany({ where: { destinationId: row.id, status: { in: ["pending", "in_flight"] } }, data: { status: "dropped", lastError: "destination deleted", claimToken: null, claimedUntil: null } });
  await recordAudit(tx, {
    workspaceId: actor.workspaceId,
    actor: actor.user,
    action: "destination.delete",
    targetType: "destination",
    targetId: row.id,
    before: auditState(toView(row)),
    changes: await diffOfDestination(tx, actor.workspaceId, row, null),
  });
}

export async function applyPauseDestination(tx: Tx, actor: ChangeActor, input: { destinationId: string }): Promise<DestinationView> {
  const row = await findDestination(tx, actor.workspaceId, input.destinationId);
  if (row.status === "paused") return toView(row);
  const updated = await tx.destination.update({
    where: { id: row.id },
    data: { status: "paused", statusReason: `Paused by ${actor.user.email}`, version: { increment: 1 } },
  });
  invalidateIngestConfig(actor.workspaceId);
  await recordAudit(tx, { workspaceId: actor.workspaceId, actor: actor.user, action: "destination.pause", targetType: "destination", targetId: row.id, before: { status: row.status }, after: { status: "paused" } });
  return toView(updated);
}

/**
 * Resumes a paused or auto-paused destination; clears the failure streak so it is not paused again
 * at once. The deliveries held meanwhile go out (the caller kicks), each with a full retry window
 * from now (resumedAt).
 */
export async function applyResumeDestination(tx: Tx, actor: ChangeActor, input: { destinationId: string }): Promise<DestinationView> {
  const row = await findDestination(tx, actor.workspaceId, input.destinationId);
  if (row.status === "active") return toView(row);
  const updated = await tx.destination.update({
    where: { id: row.id },
    data: { status: "active", statusReason: null, consecutiveFailures: 0, failingSince: null, resumedAt: new Date(), version: { increment: 1 } },
  });
  invalidateIngestConfig(actor.workspaceId);
  await recordAudit(tx, { workspaceId: actor.workspaceId, actor: actor.user, action: "destination.resume", targetType: "destination", targetId: row.id, before: { status: row.status, statusReason: row.statusReason }, after: { status: "active" } });
  return toView(updated);
}

export type RequeueResult = { dryRun: boolean; count: number; created?: number; reset?: number };

/**
 * Retry failed and replay run outside any transaction, as short statements of bounded rows each
 * (lib/delivery/requeue.ts): on the embedded database one long transaction would hold the one
 * connection, and ingestion with it. `db` is the client, never an interactive transaction.
 */
export async function applyRetryFailed(db: typeof prisma, actor: ChangeActor, input: { destinationId: string; dryRun: boolean }): Promise<RequeueResult> {
  const row = await findDestination(db, actor.workspaceId, input.destinationId);
  const count = await requeueFailed(db, row.id, { dryRun: input.dryRun });
  if (!input.dryRun && count > 0) {
    await recordAudit(db, { workspaceId: actor.workspaceId, actor: actor.user, action: "destination.retry_failed", targetType: "destination", targetId: row.id, after: { requeued: count } });
  }
  return { dryRun: input.dryRun, count };
}

export async function applyReplay(db: typeof prisma, actor: ChangeActor, input: { destinationId: string; since: Date; dryRun: boolean }): Promise<RequeueResult> {
  const row = await findDestination(db, actor.workspaceId, input.destinationId);
  const { created, reset } = await replayCandidates(db, row, { since: input.since, dryRun: input.dryRun });
  if (!input.dryRun && created + reset > 0) {
    await recordAudit(db, { workspaceId: actor.workspaceId, actor: actor.user, action: "destination.replay", targetType: "destination", targetId: row.id, after: { since: input.since.toISOString(), created, reset } });
  }
  return { dryRun: input.dryRun, count: created + reset, created, reset };
}

/**
 * The trace of one delivery (as the log names it) sent to the destination again (lib/delivery/requeue.ts
 * requeueTrace): 404 when the id names no delivery of the destination, 409 when it already waits.
 */
export async function applyRequeueDelivery(db: Tx | typeof prisma, actor: ChangeActor, input: { destinationId: string; deliveryId: string; dryRun: boolean }): Promise<RequeueResult> {
  const row = await findDestination(db, actor.workspaceId, input.destinationId);
  const resolved = await resolveDelivery(db, actor.workspaceId, row.id, input.deliveryId);
  if (!resolved) throw notFound("Delivery");
  const count = await requeueTrace(db, row, resolved.traceId, { dryRun: input.dryRun });
  if (count === 0) throw new ApiError(409, "already_queued", "This trace is already waiting to be delivered to this destination");
  if (!input.dryRun) {
    await recordAudit(db, { workspaceId: actor.workspaceId, actor: actor.user, action: "destination.requeue_trace", targetType: "destination", targetId: row.id, after: { traceId: resolved.traceId, deliveryId: input.deliveryId } });
  }
  return { dryRun: input.dryRun, count };
}

/** The governed path checks the target inside its approval transaction, then requeues after commit. */
export async function assertDestinationExists(tx: Tx, actor: ChangeActor, destinationId: string): Promise<void> {
  await findDestination(tx, actor.workspaceId, destinationId);
}

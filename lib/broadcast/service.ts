// Destinations of a workspace: the broadcast switch, CRUD, pause/resume, retry/replay, test
// connection and "Send test trace". Routes (app/api/workspaces/[workspaceId]/…) are thin wrappers.
//
// Governance: every change is one `applyX(tx, actor, input)` function that validates and applies
// atomically and writes its audit event. A member of an organization never reaches the entry
// points below: each change route declares its change with `governed` (lib/api/governed.ts), which
// has it proposed as a ChangeRequest (202, lib/governance/propose.ts), and approving it calls the
// same applyX (lib/governance/decide.ts), re-validated against the then-current state.
// assertDirectChange stays as the last guard (403).
import "server-only";
import { z } from "zod";
import { isDeepStrictEqual } from "node:util";
import { ApiError, notFound, parseInput, validationError, type FieldIssue } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import { diffOfDestination } from "@/lib/governance/snapshot";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import type { SessionUser } from "@/lib/auth/session-user";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { lockWorkspace } from "@/lib/db-client";
import { prisma } from "@/lib/db";
import { invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { kickDestinations } from "@/lib/delivery/dispatcher";
import { logDeliveryId } from "@/lib/delivery/log";
import { replayCandidates, requeueFailed, requeueTrace } from "@/lib/delivery/requeue";
import { deliveryDetail, resolveDelivery } from "@/lib/delivery/detail";
import { destinationHealth, healthSummaries, listDeliveries, waitingDeliveries, type DeliveriesQuery, type HealthSummary, type HealthWindow, type Waiting } from "@/lib/delivery/stats";
import { acceptTraces } from "@/lib/ingest";
import { sampleTrace } from "@/lib/traces/fixtures";
import { NO_GENERATION_METADATA } from "@/lib/traces/generation-metadata";
import { traceShapingOf, type TraceShaping } from "@/lib/traces/shape";
import { traceInput } from "@/lib/traces/schema";
import { Prisma, type Destination } from "@/lib/generated/prisma/client";
import type { DeliveryStatus } from "@/lib/generated/prisma/enums";
import { filterRulesSchema } from "@/lib/routing/filters";
import { fieldsOf, secretKeysOf, targetKeysOf } from "@/lib/destinations/define";
import { runDestinationTest } from "@/lib/destinations/http";
import { hasSecretValue, maskConfig, unmaskSecret } from "@/lib/outbound/masking";
import { DESTINATIONS, getDefinition } from "@/lib/destinations/registry";
import { settingsOf, type DestinationSettings } from "./settings";
import { holdsClearSecrets, resolveConfig, sealSecrets, splitSecrets, storedConfigOf } from "./stored-config";
import type { DestinationDefinition, TestResult } from "@/lib/destinations/types";

type Tx = Prisma.TransactionClient;
type Definition = DestinationDefinition;

/** Who applies a change: the signed-in user, or the approver acting on a change request. */
export type ChangeActor = { workspaceId: string; user: Pick<SessionUser, "id" | "email"> };

/** OpenRouter's limit: at most 5 destinations of one type per workspace. */
export const MAX_DESTINATIONS_PER_TYPE = 5;

// ───────────── input schemas ─────────────

/**
 * OpenRouter's data regions, stored for API compatibility only: a self-hosted instance serves one
 * region, so they do not filter anything. `eu` is OpenRouter's alias of `europe`.
 */
const regionsSchema = z
  .array(z.enum(["global", "europe", "us", "eu"]))
  .min(1, "At least one region")
  .max(3)
  .transform((regions) => [...new Set(regions.map((r) => (r === "eu" ? "europe" : r)))]);

export const settingsShape = {
  name: z.string().trim().min(1, "Name is required").max(100, "At most 100 characters"),
  enabled: z.boolean(),
  privacyMode: z.boolean(),
  samplingRate: z.number().min(0.0001, "Sampling rate must be at least 0.0001").max(1, "Sampling rate must be at most 1"),
  apiKeyInclude: z.array(z.string().min(1).max(64)).max(100),
  apiKeyExclude: z.array(z.string().min(1).max(64)).max(100),
  filterRules: filterRulesSchema.nullable(),
  regions: regionsSchema,
  broadcastGenerationCost: z.boolean(),
  broadcastGenerationIdentity: z.boolean(),
  broadcastGenerationRequestContext: z.boolean(),
};
const configInput = z.record(z.string(), z.unknown());

export const createDestinationSchema = z
  .object({
    type: z.string().min(1).max(64),
    config: configInput,
    ...settingsShape,
    enabled: settingsShape.enabled.default(true),
    privacyMode: settingsShape.privacyMode.default(false),
    samplingRate: settingsShape.samplingRate.default(1),
    apiKeyInclude: settingsShape.apiKeyInclude.default([]),
    apiKeyExclude: settingsShape.apiKeyExclude.default([]),
    filterRules: settingsShape.filterRules.default(null),
    regions: settingsShape.regions.default(["global"]),
    broadcastGenerationCost: settingsShape.broadcastGenerationCost.default(false),
    broadcastGenerationIdentity: settingsShape.broadcastGenerationIdentity.default(false),
    broadcastGenerationRequestContext: settingsShape.broadcastGenerationRequestContext.default(false),
  })
  .strict();
export type CreateDestinationInput = z.input<typeof createDestinationSchema>;

export const updateDestinationSchema = z
  .object({
    /** Partial: omitted keys (and masked secrets) keep their stored value; null clears an optional key. */
    config: configInput.optional(),
    name: settingsShape.name.optional(),
    enabled: settingsShape.enabled.optional(),
    privacyMode: settingsShape.privacyMode.optional(),
    samplingRate: settingsShape.samplingRate.optional(),
    apiKeyInclude: settingsShape.apiKeyInclude.optional(),
    apiKeyExclude: settingsShape.apiKeyExclude.optional(),
    filterRules: settingsShape.filterRules.optional(),
    regions: settingsShape.regions.optional(),
    broadcastGenerationCost: settingsShape.broadcastGenerationCost.optional(),
    broadcastGenerationIdentity: settingsShape.broadcastGenerationIdentity.optional(),
    broadcastGenerationRequestContext: settingsShape.broadcastGenerationRequestContext.optional(),
  })
  .strict();
export type UpdateDestinationInput = z.input<typeof updateDestinationSchema>;

export const testUnsavedSchema = z
  .object({
    type: z.string().min(1).max(64),
    config: configInput,
    destinationId: z.string().min(1).max(64).optional(),
    privacyMode: z.boolean().optional(),
    broadcastGenerationCost: z.boolean().optional(),
    broadcastGenerationIdentity: z.boolean().optional(),
    broadcastGenerationRequestContext: z.boolean().optional(),
  })
  .strict();

export const broadcastSchema = z.object({ enabled: z.boolean() }).strict();
export const retryFailedSchema = z.object({ dryRun: z.boolean().default(false) }).strict();
export const requeueTraceSchema = z.object({ dryRun: z.boolean().default(false) }).strict();
export const replaySchema = z
  .object({
    since: z.coerce.date({ error: "since must be a date-time" }).refine((d) => d.getTime() <= Date.now(), "since must not be in the future"),
    dryRun: z.boolean().default(false),
  })
  .strict();

// ───────────── views ─────────────

export type DestinationView = DestinationSettings & {
  id: string;
  type: string;
  status: Destination["status"];
  statusReason: string | null;
  /** Secrets masked ("pk-l...EfGh"). */
  config: Record<string, unknown>;
  version: number;
  health: {
    consecutiveFailures: number;
    failingSince: Date | null;
    lastSuccessAt: Date | null;
    lastFailureAt: Date | null;
    lastError: string | null;
  };
  createdAt: Date;
  updatedAt: Date;
};

function definitionFor(type: string, field = "type"): Definition {
  const def = getDefinition(type);
  if (!def) {
    throw new ApiError(400, "invalid_request", `Unknown destination type "${type}"`, [
      { path: field, message: `Must be one of: ${[...DESTINATIONS.keys()].join(", ")}` },
    ]);
  }
  return def;
}

function maskedConfigOf(def: Definition | undefined, row: Destination): Record<string, unknown> {
  const plain = (row.config ?? {}) as Record<string, unknown>;
  if (!def) return plain;
  let config: Record<string, unknown>;
  try {
    config = storedConfigOf(row);
  } catch {
    // A ciphertext under a key no longer in TRACECAST_KEYS: show the fields as set but unreadable.
    config = { ...plain, ...Object.fromEntries(secretKeysOf(def).map((k) => [k, "unreadable-secret"])) };
  }
  return maskConfig(config, secretKeysOf(def));
}

export function toView(row: Destination): DestinationView {
  return {
    id: row.id,
    type: row.type,
    ...settingsOf(row),
    status: row.status,
    statusReason: row.statusReason,
    config: maskedConfigOf(getDefinition(row.type), row),
    version: row.version,
    health: {
      consecutiveFailures: row.consecutiveFailures,
      failingSince: row.failingSince,
      lastSuccessAt: row.lastSuccessAt,
      lastFailureAt: row.lastFailureAt,
      lastError: row.lastError,
    },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The masked state recorded in audit events (what changed, never a secret). */
function auditState(view: DestinationView): Prisma.InputJsonObject {
  const { id: _id, health: _health, createdAt: _c, updatedAt: _u, ...state } = view;
  return JSON.parse(JSON.stringify(state)) as Prisma.InputJsonObject;
}

// ───────────── reads ─────────────

async function findDestination(db: Tx | typeof prisma, workspaceId: string, destinationId: string): Promise<Destination> {
  const row = await db.destination.findFirst({ where: { id: destinationId, workspaceId, deletedAt: null } });
  if (!row) throw notFound("Destination");
  return row;
}

export async function listDestinations(ctx: WorkspaceContext): Promise<DestinationView[]> {
  const rows = await prisma.destination.findMany({ where: { workspaceId: ctx.workspace.id, deletedAt: null }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toView);
}

export async function getDestination(ctx: WorkspaceContext, destinationId: string): Promise<DestinationView> {
  return toView(await findDestination(prisma, ctx.workspace.id, destinationId));
}

/** The catalog of destination types, for the "Add destination" picker and the generated forms. */
export function destinationCatalog() {
  return [...DESTINATIONS.values()].map((def) => ({
    type: def.type,
    name: def.name,
    category: def.category,
    description: def.description,
    docsUrl: def.docsUrl,
    fields: fieldsOf(def),
    hasSetupSql: Boolean(def.setupSql),
  }));
}

export async function getSetupSql(ctx: WorkspaceContext, destinationId: string): Promise<string> {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  const def = definitionFor(row.type);
  if (!def.setupSql) throw new ApiError(404, "not_found", `${def.name} destinations have no setup SQL`);
  return def.setupSql(resolveConfig(def, row));
}

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
function mergeConfig(def: Definition, stored: Destination | null, patch: Record<string, unknown>): Record<string, unknown> {
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

// ───────────── entry points for routes (guard, transaction, kick) ─────────────

export async function setBroadcast(ctx: WorkspaceContext, input: z.input<typeof broadcastSchema>) {
  const actor = assertDirectChange(ctx);
  const result = await prisma.$transaction((tx) => applySetBroadcast(tx, actor, input));
  if (result.enabled) {
    const ids = await prisma.destination.findMany({ where: { workspaceId: ctx.workspace.id, deletedAt: null }, select: { id: true } });
    await kickDestinations(ids.map((d) => d.id));
  }
  return result;
}

export async function getBroadcast(ctx: WorkspaceContext) {
  const ws = await prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } });
  return { enabled: ws.broadcastEnabled };
}

export async function createDestination(ctx: WorkspaceContext, input: CreateDestinationInput) {
  const actor = assertDirectChange(ctx);
  return prisma.$transaction((tx) => applyCreateDestination(tx, actor, input));
}

export async function updateDestination(ctx: WorkspaceContext, destinationId: string, patch: UpdateDestinationInput) {
  const actor = assertDirectChange(ctx);
  const view = await prisma.$transaction((tx) => applyUpdateDestination(tx, actor, { destinationId, patch }));
  await kickDestinations([destinationId]); // re-enabled or fixed config: deliver what waits
  return view;
}

export async function deleteDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  await prisma.$transaction((tx) => applyDeleteDestination(tx, actor, { destinationId }));
}

export async function pauseDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  return prisma.$transaction((tx) => applyPauseDestination(tx, actor, { destinationId }));
}

export async function resumeDestination(ctx: WorkspaceContext, destinationId: string) {
  const actor = assertDirectChange(ctx);
  const view = await prisma.$transaction((tx) => applyResumeDestination(tx, actor, { destinationId }));
  await kickDestinations([destinationId]);
  return view;
}

/** A dry run changes nothing, so anyone who may read the destination may ask for the count. */
export async function retryFailed(ctx: WorkspaceContext, destinationId: string, input: z.input<typeof retryFailedSchema>) {
  const { dryRun } = parseInput(retryFailedSchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyRetryFailed(prisma, actor, { destinationId, dryRun });
  if (!dryRun && result.count) await kickDestinations([destinationId]);
  return result;
}

export async function replay(ctx: WorkspaceContext, destinationId: string, input: z.input<typeof replaySchema>) {
  const { since, dryRun } = parseInput(replaySchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyReplay(prisma, actor, { destinationId, since, dryRun });
  if (!dryRun && result.count) await kickDestinations([destinationId]);
  return result;
}

export async function requeueDelivery(ctx: WorkspaceContext, destinationId: string, deliveryId: string, input: z.input<typeof requeueTraceSchema>) {
  const { dryRun } = parseInput(requeueTraceSchema, input);
  const actor = dryRun ? { workspaceId: ctx.workspace.id, user: ctx.user } : assertDirectChange(ctx);
  const result = await applyRequeueDelivery(prisma, actor, { destinationId, deliveryId, dryRun });
  if (!dryRun) await kickDestinations([destinationId]);
  return result;
}

// ───────────── test connection ─────────────

// The test trace is shaped as the destination's deliveries are (privacy mode, generation-metadata switches).
export async function testSavedDestination(ctx: WorkspaceContext, destinationId: string): Promise<TestResult> {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  const def = definitionFor(row.type);
  return testWithSavedSecrets(ctx, def, row, mergeConfig(def, row, {}), traceShapingOf(row));
}

/**
 * Runs a test that sends a saved destination's secrets, and audits it: the secrets leave the
 * server on a member's request, so the log says who sent them where and what came back.
 */
async function testWithSavedSecrets(ctx: WorkspaceContext, def: Definition, row: Destination, config: Record<string, unknown>, shaping: TraceShaping): Promise<TestResult> {
  const result = await runDestinationTest(def, config, { shaping });
  const target = Object.fromEntries(targetKeysOf(def).map((key) => [key, config[key] ?? null]));
  await recordAudit(prisma, {
    workspaceId: ctx.workspace.id,
    actor: ctx.user,
    action: "destination.test",
    targetType: "destination",
    targetId: row.id,
    after: JSON.parse(JSON.stringify({ name: row.name, target, ok: result.ok, status: result.status ?? null, message: result.message })) as Prisma.InputJsonObject,
  });
  return result;
}

/**
 * Tests form values before they are saved. With `destinationId` (editing), masked or omitted
 * secrets are taken from the stored destination, which must be of the same type. `privacyMode` and
 * the generation-metadata switches are the form's; each one left out is the stored destination's
 * (off for a new one).
 */
export async function testUnsavedDestination(ctx: WorkspaceContext, input: z.input<typeof testUnsavedSchema>): Promise<TestResult> {
  const { type, config, destinationId, ...shapingInput } = parseInput(testUnsavedSchema, input);
  const def = definitionFor(type);
  if (!destinationId) return runDestinationTest(def, mergeConfig(def, null, config), { shaping: { privacyMode: false, ...NO_GENERATION_METADATA, ...shapingInput } });
  const stored = await findDestination(prisma, ctx.workspace.id, destinationId);
  if (stored.type !== def.type) {
    throw new ApiError(400, "invalid_request", "destinationId is a destination of another type", [{ path: "destinationId", message: `Is a ${stored.type} destination` }]);
  }
  return testWithSavedSecrets(ctx, def, stored, mergeConfig(def, stored, config), { ...traceShapingOf(stored), ...shapingInput });
}

// ───────────── health, delivery log, test trace ─────────────

export type DestinationListItem = DestinationView & { summary: HealthSummary; waiting: Waiting };

export async function listDestinationsWithHealth(ctx: WorkspaceContext): Promise<DestinationListItem[]> {
  const views = await listDestinations(ctx);
  const ids = views.map((v) => v.id);
  const summaries = await healthSummaries(ctx.workspace.id, ids);
  const waiting = await waitingDeliveries(ctx.workspace.id, ids);
  return views.map((v) => ({ ...v, summary: summaries.get(v.id)!, waiting: waiting.get(v.id)! }));
}

export async function getDestinationHealth(ctx: WorkspaceContext, destinationId: string, window: HealthWindow) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  return {
    status: row.status,
    statusReason: row.statusReason,
    consecutiveFailures: row.consecutiveFailures,
    failingSince: row.failingSince,
    lastSuccessAt: row.lastSuccessAt,
    ...(await destinationHealth(ctx.workspace.id, row, window)),
  };
}

export async function getDeliveries(ctx: WorkspaceContext, destinationId: string, query: DeliveriesQuery) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  return listDeliveries(ctx.workspace.id, row.id, query);
}

export async function getDeliveryDetail(ctx: WorkspaceContext, destinationId: string, deliveryId: string) {
  const row = await findDestination(prisma, ctx.workspace.id, destinationId);
  const detail = await deliveryDetail(ctx.workspace.id, row.id, deliveryId);
  if (!detail) throw notFound("Delivery");
  return detail;
}

/**
 * "Send test trace": a sample trace marked is_test goes through the real pipeline (routing,
 * outbox, drain) of the workspace, without an API key, so it reaches the destinations that have
 * no API-key include list: every such destination of the workspace, or with `destinationId` (sent
 * from that destination's page) that one only. Returns the deliveries it queued, with the names
 * of their destinations.
 */
export async function sendTestTrace(ctx: WorkspaceContext, opts: { destinationId?: string } = {}) {
  // Another workspace's id, or a deleted destination's, is a 404 (never routed to: routing is per workspace).
  if (opts.destinationId !== undefined) await findDestination(prisma, ctx.workspace.id, opts.destinationId);
  const now = new Date();
  const sample = sampleTrace();
  const input = traceInput.parse({
    model: sample.model,
    provider: sample.provider ?? undefined,
    request: { messages: sample.request.messages, tools: sample.request.tools, parameters: sample.request.parameters },
    response: { id: sample.response.id ?? undefined, model: sample.response.model ?? undefined, messages: sample.response.messages },
    usage: { prompt_tokens: sample.usage.input_tokens, completion_tokens: sample.usage.output_tokens },
    timing: { start: new Date(now.getTime() - 1500).toISOString(), end: now.toISOString(), time_to_first_token_ms: 300 },
    finish_reason: sample.finish_reason ?? undefined,
    user: sample.user ?? undefined,
    session_id: `tracecast-test-${now.getTime()}`,
    trace: { trace_name: "Tracecast test trace", generation_name: "Test Generation", "tracecast.test": true },
  });
  const { ids } = await acceptTraces({ apiKey: null, workspace: ctx.workspace }, [input], { isTest: true, onlyDestinationId: opts.destinationId });
  // The input has no id of its own, so the trace id is its storage id (TracePayload.id).
  const traceId = ids[0];
  // Routed in the delivery log (lib/delivery/log.ts): pending until each destination's cursor passes it.
  const trace = await prisma.tracePayload.findUniqueOrThrow({ where: { id: traceId }, select: { routes: true, receivedAt: true } });
  const routedTo = Object.keys((trace.routes ?? {}) as Record<string, number>);
  const destinations = await prisma.destination.findMany({ where: { workspaceId: ctx.workspace.id, id: { in: routedTo } }, select: { id: true, name: true }, orderBy: { name: "asc" } });
  return {
    traceId,
    deliveries: destinations.map((d) => ({ id: logDeliveryId(traceId, d.id), destinationId: d.id, status: "pending" as DeliveryStatus, createdAt: trace.receivedAt, destinationName: d.name })),
  };
}

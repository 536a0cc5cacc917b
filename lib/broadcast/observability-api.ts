// The OpenRouter-compatible management API for destinations (/api/v1/observability/destinations,
// docs/api.md): OpenRouter's request and response shapes (snake_case settings, the `data` envelope,
// `total_count`, API keys named by hash) over the destination service, which validates, applies,
// audits and masks exactly as for the UI. Its changes are the governed actions the UI's routes
// perform (lib/governance/perform.ts): a change made with a member's key is saved as a change
// request and answered 202 with its id.
import "server-only";
import { z } from "zod";
import { ApiError, notFound } from "@/lib/errors";
import { JsonReply } from "@/lib/api/reply";
import type { ManagementKeyContext } from "@/lib/api-keys/management";
import { can, type Permission } from "@/lib/auth/permissions";
import { prisma } from "@/lib/db";
import type { GovernedChange, ResultOf } from "@/lib/governance/actions";
import { performOrPropose } from "@/lib/governance/perform";
import type { GovernedActionName } from "@/lib/governance/vocabulary";
import { settingsShape, type CreateDestinationInput, type UpdateDestinationInput } from "./schemas";
import { getDestination, toView, type DestinationView } from "./views";

/** OpenRouter's page size limit for the list. */
const LIST_LIMIT_MAX = 100;
/** The SDK's default page size: it asks for the next page while a page is this full. */
const LIST_LIMIT_DEFAULT = 50;

// ───────────── request shapes ─────────────

const apiKeyHashes = z
  .array(z.string().regex(/^[0-9a-f]{64}$/, "Must be an API key hash: 64 lowercase hex characters (Settings › API keys)"))
  .min(1, "Must contain at least one hash; send null for every key")
  .max(100)
  .nullable();
const workspaceId = z.string().min(1).max(64);

/** The settings create and update accept, under OpenRouter's names (validated as the service validates them). */
const wireSettings = z.object({
  name: settingsShape.name,
  enabled: settingsShape.enabled,
  privacy_mode: settingsShape.privacyMode,
  sampling_rate: settingsShape.samplingRate,
  api_key_hashes: apiKeyHashes,
  filter_rules: settingsShape.filterRules,
  regions: settingsShape.regions,
  broadcast_generation_cost: settingsShape.broadcastGenerationCost,
  broadcast_generation_identity: settingsShape.broadcastGenerationIdentity,
  broadcast_generation_request_context: settingsShape.broadcastGenerationRequestContext,
});
const configInput = z.record(z.string(), z.unknown());

export const createObservabilityDestinationSchema = wireSettings
  .partial()
  .extend({ type: z.string().min(1).max(64), name: settingsShape.name, config: configInput, workspace_id: workspaceId.optional() })
  .strict();

export const updateObservabilityDestinationSchema = wireSettings.partial().extend({ config: configInput.optional() }).strict();

export const listObservabilityDestinationsQuery = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
    workspace_id: workspaceId.optional(),
  })
  .strict();

export const destinationIdParams = z.object({ id: z.string().min(1).max(64) });

type CreateWire = z.output<typeof createObservabilityDestinationSchema>;
type UpdateWire = z.output<typeof updateObservabilityDestinationSchema>;

// ───────────── response shape ─────────────

/** A destination as OpenRouter's API returns it (secrets masked as OpenRouter does: "sk-l...AbCd"). */
export type ObservabilityDestinationWire = {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  privacy_mode: boolean;
  sampling_rate: number;
  api_key_hashes: string[] | null;
  filter_rules: unknown;
  regions: string[];
  workspace_id: string;
  broadcast_generation_cost: boolean;
  broadcast_generation_identity: boolean;
  broadcast_generation_request_context: boolean;
  created_at: string;
  updated_at: string;
};

function toWire(view: DestinationView, workspaceId: string, hashOf: Map<string, string>): ObservabilityDestinationWire {
  const hashes = view.apiKeyInclude.map((id) => hashOf.get(id)).filter((hash): hash is string => Boolean(hash));
  return {
    id: view.id,
    type: view.type,
    name: view.name,
    config: view.config,
    enabled: view.enabled,
    privacy_mode: view.privacyMode,
    sampling_rate: view.samplingRate,
    api_key_hashes: hashes.length ? hashes : null,
    filter_rules: view.filterRules ?? null,
    regions: view.regions,
    workspace_id: workspaceId,
    broadcast_generation_cost: view.broadcastGenerationCost,
    broadcast_generation_identity: view.broadcastGenerationIdentity,
    broadcast_generation_request_context: view.broadcastGenerationRequestContext,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
  };
}

// ───────────── helpers ─────────────

function assertMay(ctx: ManagementKeyContext, permission: Permission) {
  if (!can(ctx.membership.role, permission)) {
    throw new ApiError(403, "forbidden", `This management key acts as a ${ctx.membership.role}, whose role does not allow ${permission}`);
  }
}

/** A management key works in its own workspace only; naming another reveals nothing about it. */
function assertOwnWorkspace(ctx: ManagementKeyContext, requested: string | undefined) {
  if (requested !== undefined && requested !== ctx.workspace.id) throw notFound("Workspace");
}

/** id → hash of every ingest key of the workspace (revoked ones too: a destination may still name them). */
async function apiKeyHashesById(workspaceId: string): Promise<Map<string, string>> {
  const keys = await prisma.apiKey.findMany({ where: { workspaceId }, select: { id: true, hash: true } });
  return new Map(keys.map((k) => [k.id, k.hash]));
}

/** The ingest key ids the hashes name (apiKeyInclude; [] = every key), or 400 naming the unknown ones. */
function apiKeyIdsOf(hashes: string[] | null, hashOf: Map<string, string>): string[] {
  if (hashes === null) return [];
  const idOf = new Map([...hashOf].map(([id, hash]) => [hash, id]));
  const unknown = hashes.filter((hash) => !idOf.has(hash));
  if (unknown.length) {
    throw new ApiError(400, "invalid_request", "api_key_hashes names API keys that are not keys of this workspace", [
      { path: "api_key_hashes", message: `Unknown API key hash(es): ${unknown.join(", ")}` },
    ]);
  }
  return [...new Set(hashes.map((hash) => idOf.get(hash)!))];
}

/** The service's names for the settings a request sets (only those it sets). */
function settingsOf(body: Omit<UpdateWire, "config">, hashOf: Map<string, string>): Omit<UpdateDestinationInput, "config"> {
  const settings: Omit<UpdateDestinationInput, "config"> = {
    name: body.name,
    enabled: body.enabled,
    privacyMode: body.privacy_mode,
    samplingRate: body.sampling_rate,
    filterRules: body.filter_rules,
    regions: body.regions,
    broadcastGenerationCost: body.broadcast_generation_cost,
    broadcastGenerationIdentity: body.broadcast_generation_identity,
    broadcastGenerationRequestContext: body.broadcast_generation_request_context,
    ...(body.api_key_hashes !== undefined ? { apiKeyInclude: apiKeyIdsOf(body.api_key_hashes, hashOf) } : {}),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/**
 * Performs the change and answers its result in OpenRouter's shape, or, for a member of an
 * organization, saves it as a change request: 202 `{ change_request: { id, status, … } }`
 * (OpenRouter has no such state; the SDK reports the 202 as an unexpected status with this body).
 * Nothing changes until an admin approves it.
 */
async function governed<N extends GovernedActionName>(ctx: ManagementKeyContext, change: GovernedChange<N>, answer: (result: ResultOf<N>) => JsonReply): Promise<JsonReply> {
  assertMay(ctx, "broadcast:change");
  const outcome = await performOrPropose(ctx, change);
  if (outcome.kind === "performed") return answer(outcome.result);
  const request = outcome.changeRequest;
  return new JsonReply(
    {
      change_request: {
        id: request.id,
        status: request.status,
        action: request.action,
        title: request.title,
        target_id: request.targetId,
        created_at: request.createdAt.toISOString(),
      },
    },
    202,
  );
}

// ───────────── operations ─────────────

export async function listObservabilityDestinations(ctx: ManagementKeyContext, query: z.output<typeof listObservabilityDestinationsQuery>) {
  assertMay(ctx, "broadcast:read");
  assertOwnWorkspace(ctx, query.workspace_id);
  const where = { workspaceId: ctx.workspace.id, deletedAt: null };
  const [rows, total, hashOf] = await Promise.all([
    prisma.destination.findMany({ where, orderBy: [{ createdAt: "asc" }, { id: "asc" }], skip: query.offset, take: query.limit }),
    prisma.destination.count({ where }),
    apiKeyHashesById(ctx.workspace.id),
  ]);
  return new JsonReply({ data: rows.map((row) => toWire(toView(row), ctx.workspace.id, hashOf)), total_count: total });
}

export async function getObservabilityDestination(ctx: ManagementKeyContext, id: string) {
  assertMay(ctx, "broadcast:read");
  const [view, hashOf] = await Promise.all([getDestination(ctx, id), apiKeyHashesById(ctx.workspace.id)]);
  return new JsonReply({ data: toWire(view, ctx.workspace.id, hashOf) });
}

export async function createObservabilityDestination(ctx: ManagementKeyContext, body: CreateWire) {
  assertOwnWorkspace(ctx, body.workspace_id);
  const hashOf = await apiKeyHashesById(ctx.workspace.id);
  const { workspace_id: _workspace, type, config, ...settings } = body;
  const input = { type, config, ...settingsOf(settings, hashOf) } as CreateDestinationInput;
  return governed(ctx, { action: "destination.create", targetId: null, payload: input }, ({ destination }) =>
    new JsonReply({ data: toWire(destination, ctx.workspace.id, hashOf) }, 201),
  );
}

export async function updateObservabilityDestination(ctx: ManagementKeyContext, id: string, body: UpdateWire) {
  const hashOf = await apiKeyHashesById(ctx.workspace.id);
  const { config, ...settings } = body;
  const patch: UpdateDestinationInput = { ...(config ? { config } : {}), ...settingsOf(settings, hashOf) };
  return governed(ctx, { action: "destination.update", targetId: id, payload: patch }, ({ destination }) =>
    new JsonReply({ data: toWire(destination, ctx.workspace.id, hashOf) }),
  );
}

/** Soft delete, as OpenRouter's: the row stays (deliveries, audit) and is gone from the API and the UI. */
export async function deleteObservabilityDestination(ctx: ManagementKeyContext, id: string) {
  return governed(ctx, { action: "destination.delete", targetId: id, payload: {} }, () => new JsonReply({ deleted: true }));
}

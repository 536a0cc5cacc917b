// The workspace's upstream providers for the capture proxy: an OpenAI-compatible base URL, an
// optional provider key (encrypted with the key ring, masked on read) and the model prefix that
// selects it ("openai/" in "openai/gpt-4o"; "" = the default upstream).
import { z } from "zod";
import { ApiError, forbidden, notFound, validationError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import { broadcastChangeMode } from "@/lib/auth/permissions";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { decryptJson, encryptJson, type SecretOwner } from "@/lib/crypto/keyring";
import { prisma } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db-client";
import { cachedUpstreams, invalidateIngestConfig } from "@/lib/ingest/config-cache";
import { DeliveryError } from "@/lib/outbound/errors";
import { maskSecret } from "@/lib/outbound/masking";
import { assertAllowedUrl } from "@/lib/outbound/ssrf";
import type { Prisma, ProxyUpstream } from "@/lib/generated/prisma/client";

type UpstreamSecrets = { apiKey: string };

const owner = (id: string): SecretOwner => ({ kind: "proxyUpstream", id });

const name = z.string().trim().min(1, "Name is required").max(100, "At most 100 characters");
const baseUrl = z
  .url({ protocol: /^https?$/, error: "Base URL must be an http(s) URL, e.g. https://api.openai.com/v1" })
  .max(2048)
  .transform((u) => u.replace(/\/+$/, ""));
const modelPrefix = z
  .string()
  .max(64, "At most 64 characters")
  .regex(/^\S*$/, "The model prefix must not contain spaces");
const apiKey = z.string().trim().min(1, "API key must not be empty").max(8192);

export const createUpstreamSchema = z.object({
  name,
  baseUrl,
  modelPrefix: modelPrefix.default(""),
  /** The provider key sent upstream; omit for upstreams without auth (local models). */
  apiKey: apiKey.optional(),
  allowPassthroughKey: z.boolean().default(false),
});

export const updateUpstreamSchema = z.object({
  name: name.optional(),
  baseUrl: baseUrl.optional(),
  modelPrefix: modelPrefix.optional(),
  /** A new key; the masked value sent back (or omitting it) keeps the stored key; null removes it. */
  apiKey: z.union([apiKey, z.null()]).optional(),
  allowPassthroughKey: z.boolean().optional(),
});

export type CreateUpstreamInput = z.input<typeof createUpstreamSchema>;
export type UpdateUpstreamInput = z.input<typeof updateUpstreamSchema>;

export type UpstreamView = {
  id: string;
  name: string;
  baseUrl: string;
  modelPrefix: string;
  /** The stored key, masked ("sk-p...wxyz"), or null when none is stored. */
  apiKey: string | null;
  allowPassthroughKey: boolean;
  createdAt: Date;
  updatedAt: Date;
};

function secretsOf(row: ProxyUpstream): UpstreamSecrets | null {
  return row.secrets ? decryptJson<UpstreamSecrets>(row.secrets, owner(row.id)) : null;
}

function view(row: ProxyUpstream): UpstreamView {
  const secrets = secretsOf(row);
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    modelPrefix: row.modelPrefix,
    apiKey: secrets ? maskSecret(secrets.apiKey) : null,
    allowPassthroughKey: row.allowPassthroughKey,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The audit record of an upstream: never the key, only whether one is set. */
function auditState(row: ProxyUpstream): Prisma.InputJsonObject {
  return { name: row.name, baseUrl: row.baseUrl, modelPrefix: row.modelPrefix, hasApiKey: row.secrets !== null, allowPassthroughKey: row.allowPassthroughKey };
}

/** The SSRF guard: the proxy connects to this URL and returns what it answers to the caller. */
async function assertReachableUrl(url: string): Promise<void> {
  try {
    await assertAllowedUrl(url);
  } catch (err) {
    if (err instanceof DeliveryError) throw new ApiError(400, "invalid_request", `baseUrl: ${err.message}`, [{ path: "baseUrl", message: err.message }]);
    throw err;
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(r.error);
  return r.data;
}

function prefixTaken(prefix: string): ApiError {
  const label = prefix === "" ? "the default upstream (empty prefix)" : `the model prefix "${prefix}"`;
  return new ApiError(409, "conflict", `Another upstream already uses ${label}`, [{ path: "modelPrefix", message: "Already used by another upstream" }]);
}

/**
 * Upstreams decide where every proxied prompt and provider key goes, so in an organization only
 * admins and owners change them. (A member's destination change becomes a change request; upstream
 * changes have no such review flow yet, so a member is refused rather than applied.)
 */
function assertMayChange(ctx: WorkspaceContext): void {
  if (broadcastChangeMode(ctx.membership.role, ctx.workspace.kind) === "propose")
    throw forbidden("In an organization, only admins and owners can change proxy upstreams");
}

export async function listUpstreams(ctx: WorkspaceContext): Promise<UpstreamView[]> {
  const rows = await prisma.proxyUpstream.findMany({ where: { workspaceId: ctx.workspace.id }, orderBy: [{ modelPrefix: "asc" }, { createdAt: "asc" }] });
  return rows.map(view);
}

export async function createUpstream(ctx: WorkspaceContext, input: CreateUpstreamInput): Promise<UpstreamView> {
  assertMayChange(ctx);
  const data = parse(createUpstreamSchema, input);
  await assertReachableUrl(data.baseUrl);
  try {
    const row = await prisma.$transaction(async (tx) => {
      const created = await tx.proxyUpstream.create({
        data: { workspaceId: ctx.workspace.id, name: data.name, baseUrl: data.baseUrl, modelPrefix: data.modelPrefix, allowPassthroughKey: data.allowPassthroughKey },
      });
      // The ciphertext is bound to the row id, so it is written once the id exists.
      const withKey = data.apiKey
        ? await tx.proxyUpstream.update({ where: { id: created.id }, data: { secrets: encryptJson({ apiKey: data.apiKey } satisfies UpstreamSecrets, owner(created.id)) } })
        : created;
      await recordAudit(tx, { workspaceId: ctx.workspace.id, actor: ctx.user, action: "upstream.create", targetType: "upstream", targetId: created.id, after: auditState(withKey) });
      return withKey;
    });
    invalidateIngestConfig(ctx.workspace.id);
    return view(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw prefixTaken(data.modelPrefix);
    throw err;
  }
}

async function findOwn(ctx: WorkspaceContext, upstreamId: string): Promise<ProxyUpstream> {
  const row = await prisma.proxyUpstream.findFirst({ where: { id: upstreamId, workspaceId: ctx.workspace.id } });
  if (!row) throw notFound("Upstream");
  return row;
}

export async function updateUpstream(ctx: WorkspaceContext, upstreamId: string, input: UpdateUpstreamInput): Promise<UpstreamView> {
  assertMayChange(ctx);
  const patch = parse(updateUpstreamSchema, input);
  const before = await findOwn(ctx, upstreamId);
  if (patch.baseUrl !== undefined) await assertReachableUrl(patch.baseUrl);
  let secrets: string | null | undefined;
  if (patch.apiKey === null) secrets = null;
  else if (patch.apiKey !== undefined) {
    const stored = secretsOf(before);
    // Exactly the mask of the stored key means "keep it" (the form sends back what it was shown).
    const unchanged = stored !== null && patch.apiKey === maskSecret(stored.apiKey);
    if (!unchanged) secrets = encryptJson({ apiKey: patch.apiKey } satisfies UpstreamSecrets, owner(before.id));
  }
  try {
    const row = await prisma.$transaction(async (tx) => {
      const after = await tx.proxyUpstream.update({
        where: { id: before.id },
        data: {
          name: patch.name,
          baseUrl: patch.baseUrl,
          modelPrefix: patch.modelPrefix,
          allowPassthroughKey: patch.allowPassthroughKey,
          ...(secrets !== undefined ? { secrets } : {}),
        },
      });
      await recordAudit(tx, { workspaceId: ctx.workspace.id, actor: ctx.user, action: "upstream.update", targetType: "upstream", targetId: before.id, before: auditState(before), after: auditState(after) });
      return after;
    });
    invalidateIngestConfig(ctx.workspace.id);
    return view(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw prefixTaken(patch.modelPrefix ?? before.modelPrefix);
    throw err;
  }
}

export async function deleteUpstream(ctx: WorkspaceContext, upstreamId: string): Promise<void> {
  assertMayChange(ctx);
  const before = await findOwn(ctx, upstreamId);
  await prisma.$transaction(async (tx) => {
    await tx.proxyUpstream.delete({ where: { id: before.id } });
    await recordAudit(tx, { workspaceId: ctx.workspace.id, actor: ctx.user, action: "upstream.delete", targetType: "upstream", targetId: before.id, before: auditState(before) });
  });
  invalidateIngestConfig(ctx.workspace.id);
}

export type ResolvedUpstream = {
  name: string;
  baseUrl: string;
  /** The model id the upstream receives: the caller's model without the matched prefix. */
  model: string;
  apiKey: string | null;
  allowPassthroughKey: boolean;
};

/** The upstream with the longest model prefix that `model` starts with ("" matches every model). */
export async function resolveUpstream(workspaceId: string, model: string): Promise<ResolvedUpstream | null> {
  const rows = (await cachedUpstreams.get(workspaceId, () => prisma.proxyUpstream.findMany({ where: { workspaceId } })))!;
  const match = rows
    .filter((r) => model.startsWith(r.modelPrefix) && model.length > r.modelPrefix.length)
    .sort((a, b) => b.modelPrefix.length - a.modelPrefix.length)[0];
  if (!match) return null;
  return {
    name: match.name,
    baseUrl: match.baseUrl,
    model: model.slice(match.modelPrefix.length),
    apiKey: secretsOf(match)?.apiKey ?? null,
    allowPassthroughKey: match.allowPassthroughKey,
  };
}

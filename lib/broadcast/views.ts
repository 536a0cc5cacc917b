// A workspace's destinations as the app shows them: secrets masked, health columns, the catalogue of
// types, the setup SQL of a saved destination; the broadcast switch.
import "server-only";
import { ApiError, notFound } from "@/lib/errors";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { Prisma, type Destination } from "@/lib/generated/prisma/client";
import { fieldsOf, secretKeysOf } from "@/lib/destinations/define";
import { maskConfig } from "@/lib/outbound/masking";
import { DESTINATIONS, getDefinition } from "@/lib/destinations/registry";
import { settingsOf, type DestinationSettings } from "./settings";
import { resolveConfig, storedConfigOf } from "./stored-config";
import type { DestinationDefinition } from "@/lib/destinations/types";

type Tx = Prisma.TransactionClient;
type Definition = DestinationDefinition;

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

export function definitionFor(type: string, field = "type"): Definition {
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
export function auditState(view: DestinationView): Prisma.InputJsonObject {
  const { id: _id, health: _health, createdAt: _c, updatedAt: _u, ...state } = view;
  return JSON.parse(JSON.stringify(state)) as Prisma.InputJsonObject;
}

// ───────────── reads ─────────────

export async function findDestination(db: Tx | typeof prisma, workspaceId: string, destinationId: string): Promise<Destination> {
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
export async function getBroadcast(ctx: WorkspaceContext) {
  const ws = await prisma.workspace.findUniqueOrThrow({ where: { id: ctx.workspace.id }, select: { broadcastEnabled: true } });
  return { enabled: ws.broadcastEnabled };
}

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

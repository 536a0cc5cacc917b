// Key rotation: re-encrypts every stored credential under the active key of TRACECAST_KEYS, and
// encrypts the custom header values that destinations stored before issue #8 still hold in clear
// (lib/broadcast/stored-config.ts). Idempotent (rows already under the active key, and rows
// with nothing in clear, are skipped) and safe while the app runs: each row is rewritten only if it
// still holds what was read (a concurrent edit wins).
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { getDefinition } from "@/lib/destinations/registry";
import { holdsClearSecrets, sealSecrets, splitSecrets, storedConfigOf } from "@/lib/broadcast/stored-config";
import { keyRing, reencrypt, type KeyRing, type SecretOwner } from "./keyring";

const CHUNK = 200;

type Table = "destination" | "changeRequest" | "proxyUpstream" | "alertSettings";
type Row = { id: string; workspaceId: string; secrets: string | null };
/** What was done in one workspace: rows re-encrypted per table, destinations whose clear values were encrypted. */
type Tally = Record<Table, number> & { movedToCiphertext: number };

export type RotationReport = {
  activeKeyId: string;
  /** Rows re-encrypted, per table. */
  reencrypted: Record<Table, number>;
  /** Destinations whose secret values stood in clear in their config and are now in their ciphertext (under the active key). */
  movedToCiphertext: number;
  /** Workspaces whose credentials were touched (one audit event each). */
  workspaces: number;
};

const tallyOf = (perWorkspace: Map<string, Tally>, workspaceId: string): Tally => {
  const tally = perWorkspace.get(workspaceId) ?? { destination: 0, changeRequest: 0, proxyUpstream: 0, alertSettings: 0, movedToCiphertext: 0 };
  perWorkspace.set(workspaceId, tally);
  return tally;
};

/** Reads the rows of one table in chunks, rewriting each one whose ciphertext is not under the active key. */
async function rotateTable(
  db: PrismaClient,
  table: Table,
  ring: KeyRing,
  perWorkspace: Map<string, Tally>,
): Promise<number> {
  // Prisma's delegates differ per model but share these two calls with identical arguments.
  const delegate = db[table] as unknown as {
    findMany(args: object): Promise<Row[]>;
    updateMany(args: object): Promise<{ count: number }>;
  };
  const activePrefix = `v1:${ring.activeId}:`;
  let cursor: string | undefined;
  let count = 0;
  for (;;) {
    const rows = await delegate.findMany({
      where: { secrets: { not: null }, NOT: { secrets: { startsWith: activePrefix } }, ...(cursor ? { id: { gt: cursor } } : {}) },
      select: { id: true, workspaceId: true, secrets: true },
      orderBy: { id: "asc" },
      take: CHUNK,
    });
    if (rows.length === 0) return count;
    cursor = rows.at(-1)!.id;
    for (const row of rows) {
      const owner: SecretOwner = { kind: table, id: row.id };
      const next = reencrypt(row.secrets!, owner, ring);
      if (next === null) continue;
      const { count: updated } = await delegate.updateMany({ where: { id: row.id, secrets: row.secrets }, data: { secrets: next } });
      if (updated === 0) continue;
      count++;
      tallyOf(perWorkspace, row.workspaceId)[table]++;
    }
  }
}

/**
 * Moves secret values that a destination still holds in clear in Destination.config (custom
 * headers of rows stored before issue #8) into its ciphertext, sealed under the active key. The
 * version is left as is: the settings do not change, so pending change requests stay valid; the
 * row is rewritten only if its version and ciphertext are still those read.
 */
async function sealClearSecrets(db: PrismaClient, perWorkspace: Map<string, Tally>): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  for (;;) {
    const rows = await db.destination.findMany({
      where: cursor ? { id: { gt: cursor } } : {},
      select: { id: true, workspaceId: true, type: true, version: true, config: true, secrets: true },
      orderBy: { id: "asc" },
      take: CHUNK,
    });
    if (rows.length === 0) return count;
    cursor = rows.at(-1)!.id;
    for (const row of rows) {
      const def = getDefinition(row.type);
      if (!def || !holdsClearSecrets(def, row.config)) continue;
      const { plain, secrets } = splitSecrets(def, storedConfigOf(row));
      const { count: updated } = await db.destination.updateMany({
        where: { id: row.id, version: row.version, secrets: row.secrets },
        data: { config: plain as Prisma.InputJsonObject, secrets: sealSecrets(row.id, secrets) },
      });
      if (updated === 0) continue;
      count++;
      tallyOf(perWorkspace, row.workspaceId).movedToCiphertext++;
    }
  }
}

export async function rotateAllSecrets(db: PrismaClient, ring: KeyRing = keyRing()): Promise<RotationReport> {
  const perWorkspace = new Map<string, Tally>();
  // First: it seals under the active key of TRACECAST_KEYS (= `ring` when run by keys:rotate), so
  // the pass below has nothing more to do for those rows.
  const movedToCiphertext = await sealClearSecrets(db, perWorkspace);
  const reencrypted = {
    destination: await rotateTable(db, "destination", ring, perWorkspace),
    changeRequest: await rotateTable(db, "changeRequest", ring, perWorkspace),
    proxyUpstream: await rotateTable(db, "proxyUpstream", ring, perWorkspace),
    alertSettings: await rotateTable(db, "alertSettings", ring, perWorkspace),
  };
  for (const [workspaceId, { movedToCiphertext: moved, ...tally }] of perWorkspace) {
    await recordAudit(db, {
      workspaceId,
      actor: null,
      action: "credentials.rotate",
      targetType: "workspace",
      targetId: workspaceId,
      after: { activeKeyId: ring.activeId, reencrypted: tally, ...(moved ? { movedToCiphertext: moved } : {}) },
    });
  }
  return { activeKeyId: ring.activeId, reencrypted, movedToCiphertext, workspaces: perWorkspace.size };
}

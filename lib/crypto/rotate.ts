// Key rotation: re-encrypts every stored credential under the active key of TRACECAST_KEYS.
// Idempotent (rows already under the active key are skipped) and safe while the app runs: each
// row is rewritten only if it still holds the ciphertext that was read (a concurrent edit wins).
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { keyRing, reencrypt, type KeyRing, type SecretOwner } from "./keyring";

const CHUNK = 200;

type Table = "destination" | "changeRequest" | "proxyUpstream";
type Row = { id: string; workspaceId: string; secrets: string | null };

export type RotationReport = {
  activeKeyId: string;
  /** Rows re-encrypted, per table. */
  reencrypted: Record<Table, number>;
  /** Workspaces whose credentials were touched (one audit event each). */
  workspaces: number;
};

/** Reads the rows of one table in chunks, rewriting each one whose ciphertext is not under the active key. */
async function rotateTable(
  db: PrismaClient,
  table: Table,
  ring: KeyRing,
  perWorkspace: Map<string, Record<Table, number>>,
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
      const tally = perWorkspace.get(row.workspaceId) ?? { destination: 0, changeRequest: 0, proxyUpstream: 0 };
      tally[table]++;
      perWorkspace.set(row.workspaceId, tally);
    }
  }
}

export async function rotateAllSecrets(db: PrismaClient, ring: KeyRing = keyRing()): Promise<RotationReport> {
  const perWorkspace = new Map<string, Record<Table, number>>();
  const reencrypted = {
    destination: await rotateTable(db, "destination", ring, perWorkspace),
    changeRequest: await rotateTable(db, "changeRequest", ring, perWorkspace),
    proxyUpstream: await rotateTable(db, "proxyUpstream", ring, perWorkspace),
  };
  for (const [workspaceId, tally] of perWorkspace) {
    await recordAudit(db, {
      workspaceId,
      actor: null,
      action: "credentials.rotate",
      targetType: "workspace",
      targetId: workspaceId,
      after: { activeKeyId: ring.activeId, reencrypted: tally },
    });
  }
  return { activeKeyId: ring.activeId, reencrypted, workspaces: perWorkspace.size };
}

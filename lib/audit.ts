// The audit log: who changed what in a workspace. Writers pass the client they are using, so the
// event commits (or rolls back) together with the change it describes. Callers pass before/after
// with secrets already masked; this module stores them as given.
//
// The target's name is stored with the event (a later rename or deletion leaves old entries
// readable): the caller's, else the one in the snapshots, else the target row's, read here in the
// caller's transaction (pause, resume, replay and broadcast events carry only ids and states).
import type { Db } from "@/lib/db-client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { SessionUser } from "@/lib/auth/session-user";
import type { DiffEntry } from "@/lib/governance/diff";

export type AuditInput = {
  workspaceId: string;
  /** null for actions of the system itself (auto-pause, key rotation command, seed). */
  actor: Pick<SessionUser, "id" | "email"> | null;
  /** `<targetType>.<verb>`, e.g. "apiKey.create", "member.role_change", "destination.update". */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** The target's name now; looked up when omitted. */
  targetName?: string | null;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
  /**
   * Field-level changes, when the caller knows them better than before/after say (a destination's
   * secrets: set / changed / removed, compared while the values are in memory). Otherwise the log
   * derives them from before/after when read (lib/audit-log.ts).
   */
  changes?: DiffEntry[];
};

export const SYSTEM_ACTOR_LABEL = "system";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The first name-like field of an event's snapshots (after first: a rename names the new name). */
export function nameInSnapshots(before: unknown, after: unknown): string | null {
  for (const snapshot of [after, before]) {
    if (!isRecord(snapshot)) continue;
    for (const key of ["name", "title", "email"]) {
      const value = snapshot[key];
      if (typeof value === "string" && value) return value;
    }
  }
  return null;
}

/** The target row's name, in the workspace (never by id alone). */
async function nameOfTarget(db: Db, workspaceId: string, targetType: string, id: string): Promise<string | null> {
  const where = { id, workspaceId };
  switch (targetType) {
    case "destination":
      return (await db.destination.findFirst({ where, select: { name: true } }))?.name ?? null;
    case "workspace":
      return id === workspaceId ? ((await db.workspace.findUnique({ where: { id }, select: { name: true } }))?.name ?? null) : null;
    case "apiKey":
      return (await db.apiKey.findFirst({ where, select: { name: true } }))?.name ?? null;
    case "managementKey":
      return (await db.managementKey.findFirst({ where, select: { name: true } }))?.name ?? null;
    case "upstream":
      return (await db.proxyUpstream.findFirst({ where, select: { name: true } }))?.name ?? null;
    case "membership":
      return (await db.membership.findFirst({ where, select: { user: { select: { email: true } } } }))?.user.email ?? null;
    default:
      return null;
  }
}

export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  const targetName =
    input.targetName ?? nameInSnapshots(input.before, input.after) ?? (input.targetId ? await nameOfTarget(db, input.workspaceId, input.targetType, input.targetId) : null);
  await db.auditEvent.create({
    data: {
      workspaceId: input.workspaceId,
      actorId: input.actor?.id ?? null,
      actorLabel: input.actor?.email ?? SYSTEM_ACTOR_LABEL,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      targetName,
      before: input.before,
      after: input.after,
      changes: input.changes ? (JSON.parse(JSON.stringify(input.changes)) as Prisma.InputJsonValue) : undefined,
    },
  });
}

// The audit log: who changed what in a workspace. Writers pass the client they are using, so the
// event commits (or rolls back) together with the change it describes. Callers pass before/after
// with secrets already masked; this module stores them as given.
import type { Db } from "@/lib/db-client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { SessionUser } from "@/lib/auth/session-user";

export type AuditInput = {
  workspaceId: string;
  /** null for actions of the system itself (auto-pause, key rotation command, seed). */
  actor: Pick<SessionUser, "id" | "email"> | null;
  /** `<targetType>.<verb>`, e.g. "apiKey.create", "member.role_change", "destination.update". */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
};

export const SYSTEM_ACTOR_LABEL = "system";

export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      workspaceId: input.workspaceId,
      actorId: input.actor?.id ?? null,
      actorLabel: input.actor?.email ?? SYSTEM_ACTOR_LABEL,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      before: input.before,
      after: input.after,
    },
  });
}

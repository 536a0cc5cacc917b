// The audit log endpoint as the UI uses it (app/api/workspaces/[workspaceId]/audit).
import * as z from "zod/mini";
import { api } from "@/lib/client/api";
import { workspaceApiPath } from "@/lib/workspace-paths";

const jsonValue = z.unknown();

export const auditEventSchema = z.object({
  id: z.string(),
  actorId: z.nullable(z.string()),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.nullable(z.string()),
  targetName: z.nullable(z.string()),
  before: z.optional(z.nullable(jsonValue)),
  after: z.optional(z.nullable(jsonValue)),
  changes: z.array(
    z.object({ key: z.string(), label: z.string(), before: z.nullable(z.string()), after: z.nullable(z.string()), secret: z.optional(z.literal(true)) }),
  ),
  createdAt: z.string(),
});
export type AuditEventRow = z.infer<typeof auditEventSchema>;

const pageSchema = z.object({ events: z.array(auditEventSchema), nextCursor: z.nullable(z.string()) });

/** What the log is filtered on (null = any): action, part of the actor's email, target type, target id. */
export type AuditFilters = { action: string | null; actor: string | null; targetType: string | null; targetId: string | null };
export const NO_AUDIT_FILTERS: AuditFilters = { action: null, actor: null, targetType: null, targetId: null };

export const auditQueryKey = (workspaceId: string, filters: AuditFilters) =>
  ["workspaces", workspaceId, "audit", filters] as const;

function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const auditApi = {
  page: (workspaceId: string, filters: AuditFilters, cursor: string | null) =>
    api.get(`${workspaceApiPath(workspaceId, "audit")}${query({ ...filters, cursor })}`, pageSchema),
  /** The download of every event matching the screen's filters, as CSV or JSON. */
  exportUrl: (workspaceId: string, filters: AuditFilters, format: "csv" | "json") =>
    `${workspaceApiPath(workspaceId, "audit")}${query({ format, ...filters })}`,
};

// The change-request endpoints as the UI uses them (app/api/workspaces/[workspaceId]/change-requests).
// Responses are parsed with zod schemas typed against the server's own view type.
import * as z from "zod/mini";
import { api, isChangeProposed } from "@/lib/client/api";
import type { ChangeRequestView } from "@/lib/governance/requests";
import { CHANGE_REQUEST_STATUSES, GOVERNED_ACTIONS } from "@/lib/governance/vocabulary";
import { workspaceApiPath } from "@/lib/workspace-paths";

/** A server type as it arrives over JSON: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

const person = z.object({ id: z.string(), email: z.string(), name: z.nullable(z.string()) });

export const changeRequestSchema = z.object({
  id: z.string(),
  action: z.enum(GOVERNED_ACTIONS),
  title: z.string(),
  targetType: z.nullable(z.enum(["workspace", "destination"])),
  targetId: z.nullable(z.string()),
  targetName: z.nullable(z.string()),
  targetExists: z.boolean(),
  status: z.enum(CHANGE_REQUEST_STATUSES),
  comment: z.nullable(z.string()),
  reason: z.nullable(z.string()),
  diff: z.array(
    z.object({ key: z.string(), label: z.string(), before: z.nullable(z.string()), after: z.nullable(z.string()), secret: z.optional(z.literal(true)) }),
  ),
  proposer: person,
  decider: z.nullable(person),
  createdAt: z.string(),
  decidedAt: z.nullable(z.string()),
  stale: z.boolean(),
}) satisfies z.ZodMiniType<Wire<ChangeRequestView>>;
export type ChangeRequest = z.infer<typeof changeRequestSchema>;

const one = z.object({ changeRequest: changeRequestSchema });
const page = z.object({ changeRequests: z.array(changeRequestSchema), nextCursor: z.nullable(z.string()) });
const counts = z.object({ pending: z.number(), minePending: z.number() });

/** A 202 from a broadcast route: the change was saved for approval. */
export const proposedSchema = one;

export type ChangeRequestFilter = { status?: ChangeRequestStatus; mine?: boolean; targetId?: string };

export const changeRequestKeys = {
  all: (ws: string) => ["workspaces", ws, "change-requests"] as const,
  /** Paged lists (infinite queries). */
  list: (ws: string, filter: ChangeRequestFilter) => ["workspaces", ws, "change-requests", "list", filter] as const,
  /** The first page of pending requests, for notices (a plain query: its own key, another cache shape). */
  pending: (ws: string, targetId: string | null) => ["workspaces", ws, "change-requests", "pending", targetId] as const,
  count: (ws: string) => ["workspaces", ws, "change-requests", "count"] as const,
};

const path = (ws: string, ...segments: string[]) => workspaceApiPath(ws, "change-requests", ...segments);

export const changeRequestApi = {
  list: (ws: string, filter: ChangeRequestFilter, cursor: string | null) => {
    const query = new URLSearchParams();
    if (filter.status) query.set("status", filter.status);
    if (filter.mine) query.set("mine", "true");
    if (filter.targetId) query.set("targetId", filter.targetId);
    if (cursor) query.set("cursor", cursor);
    return api.get(`${path(ws)}${query.size ? `?${query}` : ""}`, page);
  },
  count: (ws: string) => api.get(path(ws, "count"), counts),
  approve: (ws: string, id: string) => api.post(path(ws, id, "approve"), one).then((r) => r.changeRequest),
  reject: (ws: string, id: string, reason: string) => api.post(path(ws, id, "reject"), one, { reason }).then((r) => r.changeRequest),
  withdraw: (ws: string, id: string) => api.post(path(ws, id, "withdraw"), one).then((r) => r.changeRequest),
  comment: (ws: string, id: string, comment: string | null) => api.patch(path(ws, id), one, { comment }).then((r) => r.changeRequest),
};

/** The longest comment the server keeps (lib/governance/propose.ts commentSchema). */
export const MAX_COMMENT_LENGTH = 1000;

/**
 * Runs a broadcast change; when it comes back as a proposal (202), attaches the proposer's comment
 * for the admin who decides. The proposal still reaches the caller as ChangeProposedError.
 */
export async function withProposalComment<T>(workspaceId: string, comment: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isChangeProposed(error) && comment.trim()) await changeRequestApi.comment(workspaceId, error.changeRequest.id, comment.trim());
    throw error;
  }
}

// The members and invites endpoints as the UI uses them (app/api/workspaces/[workspaceId]/members, …/invites).
import * as z from "zod/mini";
import { api, noContent } from "@/lib/client/api";
import { workspaceApiPath } from "@/lib/workspace-paths";

const roleSchema = z.enum(["owner", "admin", "member"]);
const personSchema = z.object({ id: z.string(), email: z.string(), name: z.nullable(z.string()) });

export const memberSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.nullable(z.string()),
  role: roleSchema,
  joinedAt: z.string(),
});
export type MemberRow = z.infer<typeof memberSchema>;

export const inviteSchema = z.object({
  id: z.string(),
  role: roleSchema,
  status: z.enum(["pending", "accepted", "revoked", "expired"]),
  createdAt: z.string(),
  expiresAt: z.string(),
  createdBy: z.nullable(personSchema),
});
export type InviteRow = z.infer<typeof inviteSchema>;

export const membersQueryKey = (workspaceId: string) => ["workspaces", workspaceId, "members"] as const;
export const invitesQueryKey = (workspaceId: string) => ["workspaces", workspaceId, "invites"] as const;

export const membersApi = {
  list: (workspaceId: string) =>
    api.get(workspaceApiPath(workspaceId, "members"), z.object({ members: z.array(memberSchema) })).then((r) => r.members),
  add: (workspaceId: string, input: { email: string; role: MemberRow["role"] }) =>
    api.post(workspaceApiPath(workspaceId, "members"), noContent, input),
  changeRole: (workspaceId: string, membershipId: string, role: MemberRow["role"]) =>
    api.patch(workspaceApiPath(workspaceId, "members", membershipId), noContent, { role }),
  remove: (workspaceId: string, membershipId: string) =>
    api.delete(workspaceApiPath(workspaceId, "members", membershipId), noContent),
};

export const invitesApi = {
  list: (workspaceId: string) =>
    api.get(workspaceApiPath(workspaceId, "invites"), z.object({ invites: z.array(inviteSchema) })).then((r) => r.invites),
  create: (workspaceId: string, role: MemberRow["role"]) =>
    api.post(workspaceApiPath(workspaceId, "invites"), z.object({ invite: inviteSchema, token: z.string() }), { role }),
  revoke: (workspaceId: string, inviteId: string) =>
    api.delete(workspaceApiPath(workspaceId, "invites", inviteId), noContent),
};

/** The link to send: the acceptance page on this same deployment. */
export function inviteUrl(token: string): string {
  return `${window.location.origin}/invite/${encodeURIComponent(token)}`;
}

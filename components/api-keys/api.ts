// The key endpoints as the UI uses them: ingest keys (app/api/workspaces/[workspaceId]/api-keys)
// and management keys (…/management-keys). Both kinds share the screen's table and dialogs through
// a KeyKind, which says where each kind lives and how to name it.
import * as z from "zod/mini";
import { api } from "@/lib/client/api";
import { workspaceApiPath } from "@/lib/workspace-paths";

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  /** Ingest keys only: the sha256 the management API names them by (`api_key_hashes`). */
  hash: z.optional(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
  createdBy: z.nullable(z.object({ id: z.string(), email: z.string(), name: z.nullable(z.string()) })),
});
export type ApiKeyRow = z.infer<typeof apiKeySchema>;

export type KeyKind = {
  /** "API key", "management key": in titles, buttons and toasts. */
  noun: string;
  queryKey(workspaceId: string): readonly string[];
  list(workspaceId: string): Promise<ApiKeyRow[]>;
  create(workspaceId: string, input: { name: string }): Promise<{ key: ApiKeyRow; secret: string }>;
  revoke(workspaceId: string, keyId: string): Promise<ApiKeyRow>;
};

function keyKind(noun: string, segment: string, field: "apiKey" | "managementKey"): KeyKind {
  const one = z.object({ [field]: apiKeySchema });
  const created = z.object({ [field]: apiKeySchema, secret: z.string() });
  const listed = z.object({ [`${field}s`]: z.array(apiKeySchema) });
  return {
    noun,
    queryKey: (workspaceId) => ["workspaces", workspaceId, segment],
    list: (workspaceId) => api.get(workspaceApiPath(workspaceId, segment), listed).then((r) => r[`${field}s`] as ApiKeyRow[]),
    create: (workspaceId, input) =>
      api.post(workspaceApiPath(workspaceId, segment), created, input).then((r) => ({ key: r[field] as ApiKeyRow, secret: r.secret as string })),
    revoke: (workspaceId, keyId) => api.delete(workspaceApiPath(workspaceId, segment, keyId), one).then((r) => r[field] as ApiKeyRow),
  };
}

export const INGEST_KEYS = keyKind("API key", "api-keys", "apiKey");
export const MANAGEMENT_KEYS = keyKind("management key", "management-keys", "managementKey");

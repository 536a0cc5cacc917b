// The API keys endpoints as the UI uses them (app/api/workspaces/[workspaceId]/api-keys).
import * as z from "zod/mini";
import { api } from "@/lib/api/client";
import { workspaceApiPath } from "@/lib/workspace-paths";

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
  createdBy: z.nullable(z.object({ id: z.string(), email: z.string(), name: z.nullable(z.string()) })),
});
export type ApiKeyRow = z.infer<typeof apiKeySchema>;

const listSchema = z.object({ apiKeys: z.array(apiKeySchema) });
const createdSchema = z.object({ apiKey: apiKeySchema, secret: z.string() });
const revokedSchema = z.object({ apiKey: apiKeySchema });

export const apiKeysQueryKey = (workspaceId: string) => ["workspaces", workspaceId, "api-keys"] as const;

export const apiKeysApi = {
  list: (workspaceId: string) => api.get(workspaceApiPath(workspaceId, "api-keys"), listSchema).then((r) => r.apiKeys),
  create: (workspaceId: string, input: { name: string }) =>
    api.post(workspaceApiPath(workspaceId, "api-keys"), createdSchema, input),
  revoke: (workspaceId: string, apiKeyId: string) =>
    api.delete(workspaceApiPath(workspaceId, "api-keys", apiKeyId), revokedSchema).then((r) => r.apiKey),
};

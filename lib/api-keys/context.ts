// What a verified ingest API key gives a request: the key and its workspace. A type of its own so the
// ingest config cache (lib/ingest/config-cache.ts), which lib/api-keys invalidates, can hold it
// without importing lib/api-keys back.
import type { Workspace } from "@/lib/generated/prisma/client";

export type ApiKeyContext = { apiKey: { id: string; name: string; workspaceId: string }; workspace: Workspace };

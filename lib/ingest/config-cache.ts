// What every ingest or proxy request reads but rarely changes: the API key's workspace, the
// workspace's compiled router and its proxy upstreams. Reading them from the database on each
// request cost a query each (two thirds of the database work of a single-trace ingest request,
// bench/ingest.bench.mts), so they are kept in memory for a short time. Upstreams are kept as
// stored, their provider keys still encrypted: they are decrypted per call, only to send.
//
// Freshness: a change made through this process (revoking a key, editing, pausing or deleting a
// destination or an upstream, the broadcast switch, an auto-pause) invalidates the workspace's entries at once,
// so the next request sees it. A change made by another process (several app processes on one
// PostgreSQL) is seen within CONFIG_TTL_MS. Only hits are cached: a key created a moment ago, or
// in another process, is found on its first use.
import { LRUCache } from "lru-cache";
import type { ApiKeyContext } from "@/lib/api-keys";
import type { ProxyUpstream } from "@/lib/generated/prisma/client";
import type { Router } from "@/lib/routing/route";

/** How long a cached key or router is used before it is read again. */
export const CONFIG_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

type Caches = {
  /** Verified API keys by key hash. */
  apiKeys: LRUCache<string, ApiKeyContext>;
  /** Routers (filters compiled) by workspace id. */
  routers: LRUCache<string, Router>;
  /** Proxy upstream rows (secrets encrypted) by workspace id. */
  upstreams: LRUCache<string, ProxyUpstream[]>;
};
// On globalThis: Next.js bundles instrumentation (which registers the direct routes that read these,
// lib/api/direct-routes.ts) apart from the app routes that invalidate them, so this module can be
// loaded more than once in a process, and every copy must see one cache.
const { apiKeys, routers, upstreams } = ((globalThis as unknown as { __tracecastConfigCache?: Caches }).__tracecastConfigCache ??= {
  apiKeys: new LRUCache({ max: MAX_ENTRIES, ttl: CONFIG_TTL_MS }),
  routers: new LRUCache({ max: MAX_ENTRIES, ttl: CONFIG_TTL_MS }),
  upstreams: new LRUCache({ max: MAX_ENTRIES, ttl: CONFIG_TTL_MS }),
});

export const cachedApiKeys = {
  get: (hash: string) => apiKeys.get(hash),
  set: (hash: string, ctx: ApiKeyContext) => void apiKeys.set(hash, ctx),
};

export const cachedRouters = {
  get: (workspaceId: string) => routers.get(workspaceId),
  set: (workspaceId: string, router: Router) => void routers.set(workspaceId, router),
};

export const cachedUpstreams = {
  get: (workspaceId: string) => upstreams.get(workspaceId),
  set: (workspaceId: string, rows: ProxyUpstream[]) => void upstreams.set(workspaceId, rows),
};

/**
 * Forgets everything cached for the workspace: call after changing its destinations, its broadcast
 * switch, its API keys or its upstreams. Called inside the change's transaction, a request racing the commit may
 * re-read the old state; it is then used for at most CONFIG_TTL_MS.
 */
export function invalidateIngestConfig(workspaceId: string): void {
  routers.delete(workspaceId);
  upstreams.delete(workspaceId);
  for (const [hash, ctx] of apiKeys.entries()) if (ctx.workspace.id === workspaceId) apiKeys.delete(hash);
}

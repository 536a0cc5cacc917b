// What every ingest or proxy request reads but rarely changes: the API key's workspace, the
// workspace's compiled router and its proxy upstreams. Reading them from the database on each
// request cost a query each (two thirds of the database work of a single-trace ingest request,
// bench/ingest.bench.mts), so they are kept in memory for a short time. Upstreams are kept as
// stored, their provider keys still encrypted: they are decrypted per call, only to send.
//
// Freshness: a change made through this process (revoking a key, editing, pausing or deleting a
// destination or an upstream, the broadcast switch, an auto-pause) invalidates the workspace's entries at once,
// so the next request sees it. A change made by another process (several app processes on one
// PostgreSQL) is seen within CONFIG_TTL_MS; busy entries are read again in the background before
// then (ConfigCache). Only hits are cached: a key created a moment ago, or in another process, is
// found on its first use.
import { LRUCache } from "lru-cache";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import type { ProxyUpstream } from "@/lib/generated/prisma/client";
import type { Router } from "@/lib/routing/route";
import { processSingleton } from "@/lib/process/singleton";

/** The oldest a cached key, router or upstream list may be when it is used. */
export const CONFIG_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;
/**
 * The age, as a share of the TTL, from which a used entry is read again in the background. Earlier
 * means more keys never wait (any key used at least every (1 - share) × TTL), later means fewer
 * reads: a busy entry costs one read per share × TTL instead of one per TTL.
 */
export const REFRESH_AT_SHARE = 0.75;

/**
 * Values read from the database, kept for at most `ttlMs`. An entry used once it is
 * REFRESH_AT_SHARE of that old is read again in the background while the current value is still
 * served, so under steady traffic no request waits for a read: before, every second each busy
 * workspace's first request waited for one, and a router read held up the whole group commit
 * behind it (lib/ingest/index.ts). An entry past `ttlMs` is never served. Requests that miss together share one read. Only hits are kept
 * (`load` answers undefined for none).
 *
 * Why not lru-cache's own fetch(): deleting a key aborts its read in flight and rejects every caller
 * waiting on it, where an invalidation here must only keep that read's (possibly old) answer out.
 */
export class ConfigCache<V extends {}> {
  readonly #ttlMs: number;
  readonly #entries: LRUCache<string, { value: V; loadedAt: number }>;
  /** Reads in flight by key: shared by the callers that miss meanwhile, and by background refreshes. */
  readonly #loading = new Map<string, Promise<V | undefined>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
    this.#entries = new LRUCache({ max: MAX_ENTRIES, ttl: ttlMs });
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return this.#load(key, load);
    if (performance.now() - entry.loadedAt >= this.#ttlMs * REFRESH_AT_SHARE) {
      // A failed refresh costs nothing: the entry expires and the next caller reads (and sees the error) itself.
      this.#load(key, load).catch(() => {});
    }
    return entry.value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
    // A read already under way may have seen the state before the change: the next caller reads anew.
    this.#loading.delete(key);
  }

  /** Keys whose value matches: to invalidate by something other than the key. */
  keysWhere(matches: (value: V) => boolean): string[] {
    return [...this.#entries.entries()].filter(([, entry]) => matches(entry.value)).map(([key]) => key);
  }

  #load(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const pending = this.#loading.get(key);
    if (pending) return pending;
    // Timed from the read's start: the value can be no older than that.
    const startedAt = performance.now();
    const reading: Promise<V | undefined> = load().then(
      (value) => {
        // Still this key's read: not deleted (invalidated) while it ran.
        if (this.#loading.get(key) === reading) {
          this.#loading.delete(key);
          if (value === undefined) this.#entries.delete(key);
          else this.#entries.set(key, { value, loadedAt: startedAt }, { start: startedAt });
        }
        return value;
      },
      (err: unknown) => {
        if (this.#loading.get(key) === reading) this.#loading.delete(key);
        throw err;
      },
    );
    this.#loading.set(key, reading);
    return reading;
  }
}

type Caches = {
  /** Verified API keys by key hash. */
  apiKeys: ConfigCache<ApiKeyContext>;
  /** Routers (filters compiled) by workspace id. */
  routers: ConfigCache<Router>;
  /** Proxy upstream rows (secrets encrypted) by workspace id. */
  upstreams: ConfigCache<ProxyUpstream[]>;
};
// One per process: the direct routes that read these and the app routes that invalidate them are
// bundled apart (lib/process/singleton.ts).
const caches: Caches = processSingleton("ingestConfigCache", () => ({
  apiKeys: new ConfigCache(CONFIG_TTL_MS),
  routers: new ConfigCache(CONFIG_TTL_MS),
  upstreams: new ConfigCache(CONFIG_TTL_MS),
}));

export const cachedApiKeys: ConfigCache<ApiKeyContext> = caches.apiKeys;
export const cachedRouters: ConfigCache<Router> = caches.routers;
export const cachedUpstreams: ConfigCache<ProxyUpstream[]> = caches.upstreams;

/**
 * Forgets everything cached for the workspace: call after changing its destinations, its broadcast
 * switch, its API keys or its upstreams. Called inside the change's transaction, a request racing the commit may
 * re-read the old state; it is then used for at most CONFIG_TTL_MS.
 */
export function invalidateIngestConfig(workspaceId: string): void {
  caches.routers.delete(workspaceId);
  caches.upstreams.delete(workspaceId);
  for (const hash of caches.apiKeys.keysWhere((ctx) => ctx.workspace.id === workspaceId)) caches.apiKeys.delete(hash);
}

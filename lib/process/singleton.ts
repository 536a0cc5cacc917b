// Process-wide state, one instance per process whatever loaded it. Next.js bundles instrumentation
// (which hands the hot routes to the front server) apart from the app's routes, and a dev reload
// evaluates modules again, so a module-level `const` can exist more than once in one process. State
// that must be one per process (the database connection, caches, rate limits, the after-response
// work, the inline dispatcher's locks) is kept here, under one well-known symbol, by name.
const STORE = Symbol.for("tracecast.process-singletons");

type Holder = { [STORE]?: Map<string, unknown> };

/** The process's one value named `name`, created by `create` on first use. */
export function processSingleton<T>(name: string, create: () => T): T {
  const store = ((globalThis as Holder)[STORE] ??= new Map());
  if (!store.has(name)) store.set(name, create());
  return store.get(name) as T;
}

/** Removes and returns the value named `name`, if it was created (the next processSingleton call creates a new one). */
export function takeProcessSingleton<T>(name: string): T | undefined {
  const store = (globalThis as Holder)[STORE];
  const value = store?.get(name) as T | undefined;
  store?.delete(name);
  return value;
}

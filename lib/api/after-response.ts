// Work that must not delay a response (kicking the dispatcher, recording a proxied call's trace)
// runs after the response was sent. Inside Next.js that is next/server `after()`; on the direct
// routes of lib/api/direct-routes.ts (served by node:http, outside Next's request scope) it is the
// scope those routes open; outside both (scripts, tests calling lib code) the task runs detached.
import { AsyncLocalStorage } from "node:async_hooks";
import { after } from "next/server";

/** The after-response tasks of one direct-route request. */
export class ResponseScope {
  private readonly pending: (() => unknown)[] = [];
  private sent = false;

  add(task: () => unknown): void {
    if (this.sent) runDetached(task);
    else this.pending.push(task);
  }

  /** The response is out (or the caller left): run what waited, and anything added later at once. */
  responseSent(): void {
    if (this.sent) return;
    this.sent = true;
    for (const task of this.pending.splice(0)) runDetached(task);
  }
}

// On globalThis: Next.js bundles instrumentation (which registers the direct routes) and the app's
// routes separately, so this module can be loaded more than once in a process.
const scopes: AsyncLocalStorage<ResponseScope> = ((globalThis as unknown as { __tracecastResponseScopes?: AsyncLocalStorage<ResponseScope> })
  .__tracecastResponseScopes ??= new AsyncLocalStorage<ResponseScope>());

/** Runs `serve` with a scope that collects the request's after-response tasks. */
export function withResponseScope<T>(scope: ResponseScope, serve: () => T): T {
  return scopes.run(scope, serve);
}

/**
 * Runs `task` once the current response has been sent. A promise passed instead of a task is only
 * awaited by Next.js (it keeps a serverless invocation alive until it settles); elsewhere it is
 * already running and nothing needs to wait for it.
 */
export function afterResponse(task: (() => unknown) | Promise<unknown>): void {
  const scope = scopes.getStore();
  if (scope) {
    if (typeof task === "function") scope.add(task);
    return;
  }
  try {
    after(task);
  } catch {
    // Outside a Next.js request scope: nothing will run it later.
    if (typeof task === "function") runDetached(task);
  }
}

function runDetached(task: () => unknown): void {
  void Promise.resolve()
    .then(task)
    .catch((err) => console.error("[after-response] task failed", err));
}

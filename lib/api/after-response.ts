// Work that must not delay a response (kicking the dispatcher, recording a proxied call's trace)
// runs after the response was sent. Inside Next.js that is next/server `after()`; on the direct
// routes of lib/api/direct-routes.ts (served by node:http, outside Next's request scope) it is the
// scope those routes open, and the production server waits for that work before it exits
// (settleAfterResponseWork); outside both (scripts, tests calling lib code) the task runs detached.
import { AsyncLocalStorage } from "node:async_hooks";
import { after } from "next/server";
import { processSingleton } from "@/lib/process/singleton";

type Shared = {
  scopes: AsyncLocalStorage<ResponseScope>;
  /** Work of direct-route requests that is still running after their response. */
  outstanding: Set<Promise<unknown>>;
};
const shared: Shared = processSingleton("afterResponse", () => ({
  scopes: new AsyncLocalStorage<ResponseScope>(),
  outstanding: new Set<Promise<unknown>>(),
}));

/** The after-response tasks of one direct-route request. */
export class ResponseScope {
  private readonly pending: (() => unknown)[] = [];
  private sent = false;

  add(task: () => unknown): void {
    if (this.sent) this.run(task);
    else this.pending.push(task);
  }

  /** The response is out (or the caller left): run what waited, and anything added later at once. */
  responseSent(): void {
    if (this.sent) return;
    this.sent = true;
    for (const task of this.pending.splice(0)) this.run(task);
  }

  // In this scope, so that work a task schedules after the response is tracked too.
  private run(task: () => unknown): void {
    track(shared.scopes.run(this, () => runDetached(task)));
  }
}

/** Runs `serve` with a scope that collects the request's after-response tasks. */
export function withResponseScope<T>(scope: ResponseScope, serve: () => T): T {
  return shared.scopes.run(scope, serve);
}

/**
 * Runs `task` once the current response has been sent. A promise passed instead is work already
 * running that must be allowed to finish: Next.js keeps a serverless invocation alive for it, and
 * the production server waits for it before exiting.
 */
export function afterResponse(task: (() => unknown) | Promise<unknown>): void {
  const scope = shared.scopes.getStore();
  if (scope) {
    if (typeof task === "function") scope.add(task);
    else track(task);
    return;
  }
  try {
    after(task);
  } catch {
    // Outside a Next.js request scope: nothing will run it later.
    if (typeof task === "function") void runDetached(task);
  }
}

/** Resolves once the direct routes' after-response work, including any it starts meanwhile, has finished. */
export async function settleAfterResponseWork(): Promise<void> {
  while (shared.outstanding.size) await Promise.allSettled([...shared.outstanding]);
}

function track(work: Promise<unknown>): void {
  const settled = work.catch(() => {}).finally(() => shared.outstanding.delete(settled));
  shared.outstanding.add(settled);
}

function runDetached(task: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(task)
    .catch((err) => console.error("[after-response] task failed", err));
}

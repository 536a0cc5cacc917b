// Stands in for lib/auth/session in route tests: the acting user is whoever actAs() named. Test
// files install it with
//   vi.mock("@/lib/auth/session", () => import("./session-mock"));
// so everything else (defineRoute, memberships, permissions, the database) is the real code.
import { AsyncLocalStorage } from "node:async_hooks";
import type { SessionUser } from "@/lib/auth/session-user";

let current: SessionUser | null = null;
const scoped = new AsyncLocalStorage<SessionUser | null>();

/** The acting user from now on. */
export function actAs(user: SessionUser | null): void {
  current = user;
}

/** Runs fn as user, whatever else runs concurrently (for races between two people). */
export function runAs<T>(user: SessionUser | null, fn: () => Promise<T>): Promise<T> {
  return scoped.run(user, fn);
}

function acting(): SessionUser | null {
  const inScope = scoped.getStore();
  return inScope === undefined ? current : inScope;
}

export async function getSessionUser(): Promise<SessionUser | null> {
  return acting();
}

export async function requireUser(): Promise<SessionUser> {
  const user = acting();
  if (!user) throw new Error("requireUser() called while signed out");
  return user;
}

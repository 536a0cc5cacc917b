// The contract between scripts/server.mjs (plain JavaScript, which cannot import the app's modules)
// and instrumentation.ts: before Next.js starts, the server puts an object under a well-known
// symbol; instrumentation passes it the hot routes' handlers, or the error that stopped startup.
// Under `next dev` / `next start` there is no front server and nothing is passed.
import type { DirectRoutes } from "@/lib/api/direct-routes";

export type FrontServer = {
  /** The direct routes to serve before handing a request to Next.js. */
  accept(routes: DirectRoutes): void;
  /** Startup failed (TRACECAST_KEYS missing…): the server exits with it instead of serving on. */
  fail(err: unknown): void;
};

const FRONT_SERVER = Symbol.for("tracecast.front-server");

/** The front server this process runs behind, if any. */
export function frontServer(): FrontServer | undefined {
  return (globalThis as { [FRONT_SERVER]?: FrontServer })[FRONT_SERVER];
}

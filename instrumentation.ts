// Runs once when a Next.js server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  try {
    const { keyRing } = await import("@/lib/crypto/keyring");
    // Fail at startup, naming TRACECAST_KEYS, rather than at the first credential read.
    keyRing();
    const { startInlineSweeper } = await import("@/lib/delivery/dispatcher");
    startInlineSweeper();
    // For scripts/server.mjs: the hot routes' handlers, served without Next.js's request pipeline.
    const [{ registerDirectRoutes }, { DIRECT_POST_ROUTES }] = await Promise.all([import("@/lib/api/direct-routes"), import("@/app/api/v1/direct-routes")]);
    registerDirectRoutes(DIRECT_POST_ROUTES);
  } catch (err) {
    // Next.js logs the error and serves on; scripts/server.mjs sees this and exits with it instead.
    (globalThis as { __tracecastStartupError?: unknown }).__tracecastStartupError = err;
    throw err;
  }
}

// Runs once when a Next.js server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { frontServer } = await import("@/lib/process/front-server");
  try {
    const { keyRing } = await import("@/lib/crypto/keyring");
    // Fail at startup, naming TRACECAST_KEYS, rather than at the first credential read.
    keyRing();
    const { startInlineSweeper } = await import("@/lib/delivery/dispatcher");
    startInlineSweeper();
    // For scripts/server.mjs: the hot routes' handlers, served without Next.js's request pipeline.
    const server = frontServer();
    if (server) {
      const [{ createDirectRoutes }, { DIRECT_POST_ROUTES }] = await Promise.all([import("@/lib/api/direct-routes"), import("@/app/api/v1/direct-routes")]);
      server.accept(createDirectRoutes(DIRECT_POST_ROUTES));
    }
  } catch (err) {
    // Next.js logs the error and serves on; scripts/server.mjs exits with it instead.
    frontServer()?.fail(err);
    throw err;
  }
}

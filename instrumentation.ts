// Runs once when a Next.js server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { keyRing } = await import("@/lib/crypto/keyring");
  // Fail at startup, naming TRACECAST_KEYS, rather than at the first credential read.
  keyRing();
  const { startInlineSweeper } = await import("@/lib/delivery/dispatcher");
  startInlineSweeper();
}

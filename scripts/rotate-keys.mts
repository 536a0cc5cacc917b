// npm run keys:rotate — re-encrypts every stored credential under the active (first) key of
// TRACECAST_KEYS. Run it after putting a new key first in TRACECAST_KEYS (keep the old keys listed
// until it has finished); then the old keys can be removed. Safe to run again and while the app runs.
// It also encrypts the custom header values that destinations created before they were secrets
// still hold in clear (lib/broadcast/stored-config.ts).
import "dotenv/config";
import { connectDatabase } from "@/lib/db-client";
import { KeyRingError, keyRing, type KeyRing } from "@/lib/crypto/keyring";
import { rotateAllSecrets } from "@/lib/crypto/rotate";

let ring: KeyRing;
try {
  ring = keyRing();
} catch (err) {
  // A missing or malformed ring: say which variable and why, without a stack trace.
  if (!(err instanceof KeyRingError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const { prisma } = connectDatabase();
try {
  const report = await rotateAllSecrets(prisma, ring);
  const { destination, changeRequest, proxyUpstream } = report.reencrypted;
  console.log(
    `Re-encrypted under key "${report.activeKeyId}": ${destination} destination(s), ${changeRequest} change request(s), ` +
      `${proxyUpstream} proxy upstream(s) in ${report.workspaces} workspace(s).` +
      (report.movedToCiphertext ? ` Encrypted the clear custom header values of ${report.movedToCiphertext} destination(s).` : ""),
  );
} finally {
  await prisma.$disconnect();
}

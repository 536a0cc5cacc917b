// Requests counted per key in fixed windows, in the database (shared by every server process): how
// many password-reset emails one address, or one client, may ask for in an hour.
import "server-only";
import { prisma } from "@/lib/db";

export type WindowLimit = { limit: number; windowMs: number };

/** Counts one request under `key`; how long to wait when it is over the window's limit, else 0. */
export async function countRequest(key: string, { limit, windowMs }: WindowLimit, now = new Date()): Promise<number> {
  const windowFloor = new Date(now.getTime() - windowMs);
  // One statement, so concurrent requests cannot both read the count before either writes it.
  const [row] = await prisma.$queryRaw<{ count: number; windowStart: Date }[]>`
    INSERT INTO "RequestCounter" ("key", "count", "windowStart") VALUES (${key}, 1, ${now})
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "RequestCounter"."windowStart" <= ${windowFloor} THEN 1 ELSE "RequestCounter"."count" + 1 END,
      "windowStart" = CASE WHEN "RequestCounter"."windowStart" <= ${windowFloor} THEN ${now} ELSE "RequestCounter"."windowStart" END
    RETURNING "count", "windowStart"`;
  if (row.count <= limit) return 0;
  return Math.max(1, Math.ceil((row.windowStart.getTime() + windowMs - now.getTime()) / 1000));
}

/** Forgets counters whose window ended long ago, so the table holds only recent keys. */
export async function forgetOldCounters(olderThanMs: number, now = new Date()): Promise<void> {
  await prisma.requestCounter.deleteMany({ where: { windowStart: { lt: new Date(now.getTime() - olderThanMs) } } });
}

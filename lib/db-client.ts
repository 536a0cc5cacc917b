// Opens a Prisma client on the configured database: PostgreSQL through adapter-pg when DATABASE_URL
// is set, otherwise the embedded PGlite database. Free of "server-only" so scripts run by tsx outside
// Next (prisma/seed.mts) open the database exactly the way the app does; the app itself uses the
// one shared client of lib/db.ts.
import fs from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl, pgliteDir } from "@/lib/db-location";

export type DatabaseConnection = { prisma: PrismaClient; pglite: PGlite | null };

/** The client or an interactive-transaction client: what functions that may run inside a transaction take. */
export type Db = PrismaClient | Prisma.TransactionClient;

export function connectDatabase(): DatabaseConnection {
  const url = databaseUrl();
  if (url) {
    const adapter = new PrismaPg({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
    return { prisma: new PrismaClient({ adapter }), pglite: null };
  }
  // TRACECAST_PGLITE_SEED: a dumpDataDir() image to start an in-memory database from (the test
  // harness uses a migrated image, so each test file gets a fresh database in milliseconds).
  const seed = process.env.TRACECAST_PGLITE_SEED;
  const pglite = new PGlite(pgliteDir(), seed ? { loadDataDir: new Blob([fs.readFileSync(seed)]) } : {});
  // pglite-prisma-adapter 0.6.1 bundles driver-adapter-utils 6.10, whose ArgType union is narrower
  // than 6.19's; the wire contract between client and adapter is the same, so only the types differ.
  const adapter = new PrismaPGlite(pglite) as unknown as SqlDriverAdapterFactory;
  // PGlite is one connection: interactive transactions queue behind each other, so under load the
  // default 2 s wait to start one is too short; it is a queue position, not a pool timeout.
  return { prisma: new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000 } }), pglite };
}

/** A unique constraint refused the write (Prisma P2002), e.g. a second account with the same email. */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  // pglite-prisma-adapter 0.6.1 reports the raw PostgreSQL error ({ kind: "postgres", code }) as a
  // DriverAdapterError, which the client does not map to P2002: 23505 is unique_violation.
  const adapterError = error as { name?: unknown; cause?: { code?: unknown } } | null;
  return adapterError?.name === "DriverAdapterError" && adapterError.cause?.code === "23505";
}

/**
 * Serializes membership changes of one workspace: rules such as "the last owner stays" read the
 * other memberships, so two concurrent changes must not both pass their check on the same snapshot.
 */
export async function lockWorkspace(tx: Prisma.TransactionClient, workspaceId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Workspace" WHERE id = ${workspaceId} FOR UPDATE`;
}

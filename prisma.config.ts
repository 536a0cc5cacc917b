import "dotenv/config"; // with a config file Prisma no longer loads .env itself
import { defineConfig } from "prisma/config";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PGlite } from "@electric-sql/pglite";
import { MigratePrismaPg, MigratePrismaPGlite } from "./prisma/migrate-adapters";
import { databaseUrl, pgliteDir } from "./lib/db-location";

const url = databaseUrl();
// schema.prisma's datasource url is required by the CLI (without it it falls back to the Rust
// engine and tries to download it); with an adapter the value is never used.
process.env.DATABASE_URL ??= "postgresql://unused@localhost/embedded";

// The CLI asks for the adapter more than once in a run; two PGlite instances on one directory
// overwrite each other's files (a seed right after found no tables, or a directory that would not open).
let embedded: MigratePrismaPGlite | undefined;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    if (url) return new MigratePrismaPg(url);
    // pglite-prisma-adapter 0.6.1 is typed against driver-adapter-utils 6.10, whose ArgType union is
    // narrower than 6.19's; the runtime contract is the same (see lib/db-client.ts).
    embedded ??= new MigratePrismaPGlite(new PGlite(pgliteDir()));
    return embedded as unknown as SqlMigrationAwareDriverAdapterFactory;
  },
});

import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Every test file gets its own freshly migrated database: an in-memory PGlite loaded from a dump
// (default), or a PostgreSQL database cloned from a migrated template when TEST_DATABASE_URL is set.
export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // lib modules guard against client bundles with `import "server-only"`; tests are server code.
      "server-only": fileURLToPath(new URL("./tests/setup/empty.ts", import.meta.url)),
    },
  },
  test: {
    include: ["tests/**/*.test.{ts,tsx}"],
    environment: "node",
    globalSetup: ["tests/setup/global.ts"],
    setupFiles: ["tests/setup/per-file.ts"],
    pool: "forks",
    // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses;
    // inlined, it goes through Vite's resolver (route handlers import lib/auth via lib/api/route).
    server: { deps: { inline: ["next-auth"] } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      // Servers and scripts the tests start read no .env (a developer's `npm run up` settings).
      DOTENV_CONFIG_PATH: "/dev/null",
      TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
      TRACECAST_DISPATCHER: "none",
      TRACECAST_KEYS: "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
      AUTH_SECRET: "test-secret-test-secret-test-secret",
    },
  },
});

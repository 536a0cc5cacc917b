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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      TRACECAST_ALLOW_PRIVATE_TARGETS: "true",
      TRACECAST_DISPATCHER: "none",
      TRACECAST_KEYS: "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
      AUTH_SECRET: "test-secret-test-secret-test-secret",
    },
  },
});

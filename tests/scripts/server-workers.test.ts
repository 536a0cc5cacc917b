// scripts/server.mjs refuses a TRACECAST_WORKERS setting it cannot honour before it starts anything.
// Several processes on PostgreSQL, serving and stopping together, are covered end to end in
// e2e/production-server.spec.ts (it needs the production build).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function startServer(env: Record<string, string>) {
  return spawnSync(process.execPath, ["scripts/server.mjs", "-p", "0"], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("TRACECAST_WORKERS", () => {
  it("refuses several processes on the embedded database, which admits one", () => {
    const run = startServer({ TRACECAST_WORKERS: "2", DATABASE_URL: "" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("TRACECAST_WORKERS > 1 needs PostgreSQL (DATABASE_URL)");
  });

  it.each(["0", "two", "1.5"])("refuses %j, naming the variable", (value) => {
    const run = startServer({ TRACECAST_WORKERS: value, DATABASE_URL: "postgresql://127.0.0.1:1/unused" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`TRACECAST_WORKERS must be a whole number ≥ 1 (got "${value}")`);
  });
});

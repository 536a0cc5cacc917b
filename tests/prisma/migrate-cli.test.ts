// `npm run db:deploy` on the embedded database: the Prisma CLI through prisma.config.ts and the
// adapters of prisma/migrate-adapters.ts. The CLI asks for its adapter more than once per run; two
// PGlite instances on one directory overwrite each other's files, and a seed run right after found
// no tables (or a directory PGlite could not open) about one time in ten.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-migrate-cli-"));
  dirs.push(dir);
  return path.join(dir, "db");
}

describe("migrations through the Prisma CLI on the embedded database", () => {
  it("open the directory once per run, however often the CLI asks for the adapter", async () => {
    const env = { DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: process.env.PGLITE_DIR };
    process.env.PGLITE_DIR = tempDir();
    delete process.env.DATABASE_URL;
    try {
      const { default: config } = await import("../../prisma.config");
      // The CLI's view: each factory bound by @prisma/config, each call's result wrapped as { ok, value }.
      type Result<T> = { ok: true; value: T } | { ok: false; error: unknown };
      type Connection = {
        executeScript(sql: string): Promise<Result<void>>;
        queryRaw(q: { sql: string; args: unknown[]; argTypes: unknown[] }): Promise<Result<{ rows: unknown[][] }>>;
      };
      const value = <T>(result: Result<T>): T => {
        if (!result.ok) throw result.error;
        return result.value;
      };
      const { adapter } = config as unknown as { adapter(): Promise<{ connect(): Promise<Result<Connection>> }> };
      const connect = async () => value(await (await adapter()).connect());
      const [writer, reader] = [await connect(), await connect()];
      // One database behind both: what one connection writes, the other reads at once.
      value(await writer.executeScript(`CREATE TABLE written_once (n int); INSERT INTO written_once VALUES (7);`));
      expect(value(await reader.queryRaw({ sql: "SELECT n FROM written_once", args: [], argTypes: [] })).rows).toEqual([[7]]);
    } finally {
      for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("leave a directory that opens with every table, closed cleanly when the CLI ends", async () => {
    const dataDir = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: dataDir, DOTENV_CONFIG_PATH: "/dev/null" };
    delete env.DATABASE_URL;
    await promisify(execFile)("npm", ["run", "--silent", "db:deploy"], { env, timeout: 120_000 });
    const db = await PGlite.create(dataDir);
    try {
      const { rows } = await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(["User", "Workspace", "Destination", "TracePayload", "DeliveryCursor", "_prisma_migrations"]));
    } finally {
      await db.close();
    }
  }, 150_000);
});

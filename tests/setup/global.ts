// Runs once per `vitest run`: prepares a migrated database image that each test file clones.
import fs from "node:fs";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import os from "node:os";
import path from "node:path";
import { migrationSql, TEMPLATE_DB } from "./migrations";

function withDatabase(url: string, db: string) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const sql = migrationSql();
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const stale = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'tracecast_t_%' or datname = $1",
      [TEMPLATE_DB],
    );
    for (const { datname } of stale.rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    await admin.query(`create database "${TEMPLATE_DB}"`);
    const tmpl = new pg.Client({ connectionString: withDatabase(pgUrl, TEMPLATE_DB) });
    await tmpl.connect();
    await tmpl.query(sql);
    await tmpl.end();
    await admin.end();
    provide("databaseKind", "postgresql");
    provide("pgliteSeed", "");
    return;
  }
  const dumpPath = path.join(os.tmpdir(), `tracecast-test-pglite-${process.pid}-${Date.now()}.tar.gz`);
  const db = new PGlite("memory://");
  await db.exec(sql);
  const dump = await db.dumpDataDir("gzip");
  fs.writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  provide("databaseKind", "pglite");
  provide("pgliteSeed", dumpPath);
  return () => fs.rmSync(dumpPath, { force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseKind: string;
    pgliteSeed: string;
  }
}

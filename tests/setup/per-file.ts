// Runs before each test file (in its own module registry): points lib/db at a fresh database.
import crypto from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { TEMPLATE_DB } from "./migrations";

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  const name = `tracecast_t_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database "${name}" template "${TEMPLATE_DB}"`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  process.env.DATABASE_URL = u.toString();
} else {
  delete process.env.DATABASE_URL;
  process.env.PGLITE_DIR = "memory://";
  process.env.TRACECAST_PGLITE_SEED = inject("pgliteSeed");
}

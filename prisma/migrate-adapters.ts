// Driver adapters for the Prisma *CLI* (migrate deploy/dev/diff). The app itself uses the stock
// adapters in lib/db.ts. Each works around an upstream bug found with Prisma 6.19 + engine "js";
// see docs/stack.md (§3) for the measurements behind them.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";

// ── PostgreSQL ──
// 1) adapter-pg cannot deserialize pg_catalog's "char" (18) and name (19) columns (prisma/orm#27403),
//    which migrate reads; relabel them (and their arrays) as text before the adapter sees them.
const REMAP: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };
type FieldResult = { fields?: { dataTypeID: number }[] };
function relabel<T>(res: T): T {
  for (const r of (Array.isArray(res) ? res : [res]) as FieldResult[])
    for (const f of r?.fields ?? []) if (REMAP[f.dataTypeID] !== undefined) f.dataTypeID = REMAP[f.dataTypeID];
  return res;
}
const clientProto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown; __relabel?: true };
if (!clientProto.__relabel) {
  const original = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const cb = args[args.length - 1];
    if (typeof cb === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => cb(err, err ? res : relabel(res));
      return original.apply(this, args);
    }
    const p = original.apply(this, args) as Promise<unknown> | undefined;
    return p && typeof p.then === "function" ? p.then(relabel) : p;
  };
  clientProto.__relabel = true;
}

// 2) Discrete fields, so that {...config, database} really switches database for the shadow DB.
export function pgConfigFromUrl(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.replace(/^\//, ""),
    allowExitOnIdle: true,
  };
}

// 3) adapter-pg's executeScript splits a migration on ";" and sends each piece alone, which cuts a
//    function body ($$ … $$, the delivery log's cursor trigger) in half: send the script whole, as one
//    simple query (PostgreSQL runs its statements in order, as psql would).
type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
function runScriptsWhole(adapter: PgAdapter): PgAdapter {
  const internals = adapter as unknown as { client: pg.Pool; onError(error: unknown): never };
  adapter.executeScript = async (script: string) => {
    try {
      await internals.client.query(script);
    } catch (error) {
      internals.onError(error);
    }
  };
  return adapter;
}

// 4) Close the shadow database's pool before dropping it.
export class MigratePrismaPg extends PrismaPg {
  constructor(private readonly url: string) {
    super(pgConfigFromUrl(url));
  }
  async connect() {
    return runScriptsWhole(await super.connect());
  }
  async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = runScriptsWhole(await new PrismaPg({ ...pgConfigFromUrl(this.url), database }).connect());
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}

// ── PGlite ──
// The engine replays migrations as multi-statement strings through executeRaw, which PGlite's
// extended-protocol query() refuses; pglite-prisma-adapter 0.6.1's executeScript also forgets to await.
type PGliteAdapter = Awaited<ReturnType<PrismaPGlite["connect"]>>;
function runScriptsWithExec(adapter: PGliteAdapter, client: PGlite): PGliteAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeScript = async (script: string) => {
    await client.exec(script);
  };
  adapter.executeRaw = async (q) =>
    q.args.length === 0
      ? (await client.exec(q.sql)).reduce((n, r) => n + (r.affectedRows ?? 0), 0)
      : executeRaw(q);
  return adapter;
}

// The CLI never closes the database (it does not call the adapter's dispose, which does nothing
// anyway): close it once the CLI's work is done, so the next opener finds a cleanly shut-down
// directory, holding the process open until the close has finished (a close cut short leaves a
// directory PGlite cannot open). prisma.config.ts makes one of these per run.
export class MigratePrismaPGlite extends PrismaPGlite {
  constructor(private readonly pglite: PGlite) {
    super(pglite);
    process.once("beforeExit", async () => {
      const hold = setInterval(() => {}, 1000);
      try {
        await pglite.close();
      } finally {
        clearInterval(hold);
      }
    });
  }
  async connect() {
    return runScriptsWithExec(await super.connect(), this.pglite);
  }
  async connectToShadowDb() {
    const shadow = new PGlite("memory://");
    return runScriptsWithExec(await new PrismaPGlite(shadow).connect(), shadow);
  }
}

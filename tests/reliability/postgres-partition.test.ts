// A PostgreSQL server that stops answering on open connections (a network partition, a frozen
// host): nothing errors at the socket, so without a bound a query (and the ingest commit queue
// behind it) would wait until TCP gives up, many minutes later. The app's connection goes through a
// TCP relay that can stop passing bytes in both directions; with DATABASE_QUERY_TIMEOUT_MS set,
// queries through Prisma and straight on the driver fail within the bound, are classified as
// "database unavailable" (so the API answers 503), and once the partition heals the same
// connection object works again. A query on a pooled connection meets the query timeout; one that
// needs a new connection meets the connect timeout (DATABASE_CONNECT_TIMEOUT_MS): both are bounded. Runs in the PostgreSQL phase only (TEST_DATABASE_URL set).
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectDatabase, isDatabaseUnavailable, type DatabaseConnection } from "@/lib/db-client";

/** Both the query and the connect timeout of the connection under test. */
const TIMEOUT_MS = 400;
/** Each failing query must end within this (the timeout plus scheduling slack), not minutes later. */
const ANSWER_BOUND_MS = 3_000;

const skip = !process.env.TEST_DATABASE_URL;
if (skip) console.info("[postgres-partition] skipped: runs in the PostgreSQL phase only (TEST_DATABASE_URL is unset)");

/** A TCP relay to the database server that can stop relaying (bytes are then dropped, sockets stay open). */
async function startRelay(target: URL) {
  const state = { partitioned: false };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (!state.partitioned) to.write(chunk);
      });
      from.on("error", () => to.destroy());
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    state,
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let relay: Awaited<ReturnType<typeof startRelay>>;
let db: DatabaseConnection;

beforeAll(async () => {
  if (skip) return;
  const target = new URL(process.env.DATABASE_URL!);
  relay = await startRelay(target);
  const throughRelay = new URL(target);
  throughRelay.hostname = "127.0.0.1";
  throughRelay.port = String(relay.port);
  const settings = { DATABASE_URL: throughRelay.toString(), DATABASE_QUERY_TIMEOUT_MS: String(TIMEOUT_MS), DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS) };
  const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  try {
    db = connectDatabase();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

afterAll(async () => {
  if (skip) return;
  relay.state.partitioned = false;
  await db?.close();
  await relay?.close();
});

async function failureWithin(query: () => PromiseLike<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await Promise.resolve(query()).then(
    () => new Error("the query was expected to fail"),
    (err: unknown) => err,
  );
  return { error, ms: performance.now() - started };
}

it.skipIf(skip)("fails queries within the timeout as database unavailable while the server does not answer, and works again after", async () => {
  expect(await db.prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  await db.query("SELECT $1::int", [1]);

  relay.state.partitioned = true;
  for (const query of [() => db.prisma.workspace.count(), () => db.query("SELECT 1", [])]) {
    const { error, ms } = await failureWithin(query);
    expect(String((error as Error).message)).not.toMatch(/expected to fail/);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(ANSWER_BOUND_MS);
  }

  relay.state.partitioned = false;
  // The connections that timed out were dropped; the next queries open fresh ones through the relay.
  expect(await db.prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  await db.query("SELECT 1", []);
});

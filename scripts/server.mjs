// The production server (`npm start`, `npm run up`, the e2e and benchmark servers): Next.js
// behind a plain node:http listener, so the hot API routes (ingestion, the capture proxy) skip
// Next.js's request pipeline. Instrumentation registers them (lib/api/direct-routes.ts); every
// other request, and these too before registration, goes to Next.js as under `next start`.
//
//   node scripts/server.mjs [-H host] [-p port]     (defaults: HOSTNAME/HOST or 127.0.0.1, PORT or 3100)
//
// TRACECAST_WORKERS=N (PostgreSQL only) runs N server processes on the one port (node:cluster), so
// ingestion and the proxy use more than one core. Nothing else changes: the outbox's leases let
// several processes drain deliveries side by side, as with several instances behind a balancer.
// Per-process state stays per process: the ingest rate limit applies in each, and a settings
// change reaches the others' config caches within their one-second lifetime.
import "./v8-flags.mjs";
import cluster from "node:cluster";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import next from "next";

const projectDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

// A log reader that goes away (the parent holding our stdout/stderr pipe dies) makes every later
// write fail with EPIPE. Unhandled, each failure is an uncaught exception that Next.js logs, to the
// same broken pipe, so the process would spin on its own error logging and never get to a signal
// handler. Output is dropped from then on; serving and shutting down go on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => {
    stream.write = (_chunk, encoding, callback) => {
      (typeof encoding === "function" ? encoding : callback)?.();
      return true;
    };
  });
}

// DOTENV_CONFIG_PATH names the env file read instead of .env, as the Prisma CLI and the scripts
// read it through dotenv; /dev/null means none, which is how the tests keep a developer's .env out
// of the servers they start. Next.js loads .env* itself unless the environment is marked as loaded
// (its own marker, which it sets for the processes it starts).
if (process.env.DOTENV_CONFIG_PATH) {
  const dotenv = await import("dotenv");
  dotenv.config({ path: process.env.DOTENV_CONFIG_PATH, quiet: true });
  process.env.__NEXT_PROCESSED_ENV = "true";
}

const { values } = parseArgs({
  options: { hostname: { type: "string", short: "H" }, port: { type: "string", short: "p" } },
});
const hostname = values.hostname ?? process.env.HOST ?? "127.0.0.1";
const port = Number(values.port ?? process.env.PORT ?? 3100);
const workers = Number(process.env.TRACECAST_WORKERS ?? 1);
// How long a client may take to send a request's headers, and the whole request (node answers 408
// past either); the direct routes also give the body TRACECAST_BODY_TIMEOUT_MS (lib/api/direct-routes.ts).
// Node's own defaults (60 s, 300 s) let a client trickling a request hold a connection for minutes.
const headersTimeout = Number(process.env.TRACECAST_HEADERS_TIMEOUT_MS || 10_000);
const requestTimeout = Number(process.env.TRACECAST_REQUEST_TIMEOUT_MS || 60_000);
// How long instrumentation may take, after Next.js is prepared, to pass the direct routes.
const startupTimeout = Number(process.env.TRACECAST_STARTUP_TIMEOUT_MS || 60_000);

const within = (ms, work) => Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

if (!Number.isInteger(workers) || workers < 1) {
  console.error(`TRACECAST_WORKERS must be a whole number ≥ 1 (got "${process.env.TRACECAST_WORKERS}")`);
  process.exit(1);
}
for (const [name, value] of [["TRACECAST_HEADERS_TIMEOUT_MS", headersTimeout], ["TRACECAST_REQUEST_TIMEOUT_MS", requestTimeout]]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number of milliseconds ≥ 1 (got "${process.env[name]}")`);
    process.exit(1);
  }
}
if (headersTimeout > requestTimeout) {
  console.error(`TRACECAST_HEADERS_TIMEOUT_MS (${headersTimeout}) must not exceed TRACECAST_REQUEST_TIMEOUT_MS (${requestTimeout})`);
  process.exit(1);
}
if (workers > 1 && cluster.isPrimary) {
  if (!process.env.DATABASE_URL) {
    console.error("TRACECAST_WORKERS > 1 needs PostgreSQL (DATABASE_URL): the embedded database admits one process");
    process.exit(1);
  }
  await runPrimary();
} else {
  await runServer();
}

/** Forks the workers, replaces one that dies once it is serving, and stops them all on SIGTERM/SIGINT. */
async function runPrimary() {
  let stopping = false;
  const serving = new Set();
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("listening", (worker) => serving.add(worker.id));
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    if (serving.delete(worker.id)) {
      console.error(`server worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      cluster.fork();
      return;
    }
    // A worker that dies before it listens would die again (bad build, bad configuration): stop
    // instead of looping.
    console.error(`server worker ${worker.process.pid} exited while starting (${signal ?? code}); stopping`);
    stopping = true;
    for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
    process.exitCode = 1;
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      stopping = true;
      const running = Object.values(cluster.workers ?? {}).filter(Boolean);
      const exited = Promise.all(running.map((worker) => new Promise((resolve) => worker.once("exit", resolve))));
      for (const worker of running) worker.process.kill("SIGTERM");
      // Each worker bounds its own shutdown (below); this bounds a worker that hangs anyway.
      await within(15_000, exited);
      process.exit(0);
    });
  }
}

/** Ends a server process that could not start, with status 1 (Next.js's handlers would leave it at 0). */
function failToStart(reason) {
  console.error(`Tracecast did not start: ${reason}`);
  process.exit(1);
}

/** lib/api/client-address.ts reads it (this file is plain JavaScript and cannot import it). */
const PEER_ADDRESS_HEADER = "x-tracecast-peer-address";

/** One server process: Next.js behind the node:http listener of the direct routes. */
async function runServer() {
  process.env.NODE_ENV = "production";
  // Files the app reads at run time are found from here, whatever the working directory (lib/project-dir.ts).
  process.env.TRACECAST_PROJECT_DIR ??= projectDirectory;
  // Routes served by Next.js read the connection's peer from PEER_ADDRESS_HEADER, which this server
  // sets on every request it hands over (lib/api/client-address.ts).
  process.env.TRACECAST_FRONT_SERVER = "1";
  const app = next({ dev: false, dir: projectDirectory, hostname, port });
  const handle = app.getRequestHandler();
  // Instrumentation passes the direct routes here shortly after prepare() resolves (lib/process/front-server.ts).
  // Without them every request would still be served, only slower, and that should not pass
  // unnoticed. If startup failed (TRACECAST_KEYS missing…), Next.js has logged why and would serve on: stop instead.
  const handedOver = new Promise((resolve) => {
    globalThis[Symbol.for("tracecast.front-server")] = {
      accept: resolve,
      fail: (err) => failToStart(`startup failed: ${err instanceof Error ? err.message : String(err)}`),
    };
  });
  await app.prepare();
  const directRoutes = await new Promise((resolve) => {
    const late = setTimeout(() => failToStart(`instrumentation.ts did not pass the direct routes within ${startupTimeout} ms`), startupTimeout);
    // Cleared once they arrive: the server lives on long past the bound.
    void handedOver.then((routes) => {
      clearTimeout(late);
      resolve(routes);
    });
  });

  // Node checks the two timeouts every connectionsCheckingInterval (30 s by default): often enough
  // that a request past its bound is answered within about a second of it.
  const server = http.createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: 1000 }, (req, res) => {
    if (directRoutes.serve(req, res)) return;
    // Replaces whatever a client sent under this name: the limits on failed sign-ins count by it.
    req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
    void handle(req, res);
  });
  // A port in use or not ours to bind: Next.js's uncaught-exception handler would log it and the
  // process would end with status 0, which a supervisor takes for a clean stop.
  server.once("error", (err) => failToStart(`cannot listen on ${hostname}:${port}: ${err.message}`));
  server.listen(port, hostname, () =>
    console.log(`Tracecast listening on http://${hostname}:${port}${cluster.isWorker ? ` (server process ${process.pid}, one of ${workers})` : ""}`),
  );

  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      // In-flight requests get a moment to finish, then the work their responses left running (a
      // proxied call's trace is recorded after its answer, dispatcher kicks): traces already answered
      // 202 are in the outbox either way, and leases of interrupted deliveries expire.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      await within(5_000, closed);
      await within(5_000, directRoutes.settle());
      await within(5_000, directRoutes.closeDatabase());
      process.exit(0);
    });
  }
}

// The production server (`npm start`, `npm run up`, the e2e and benchmark servers): Next.js
// behind a plain node:http listener, so the hot API routes (ingestion, the capture proxy) skip
// Next.js's request pipeline. Instrumentation registers them (lib/api/direct-routes.ts); every
// other request, and these too before registration, goes to Next.js as under `next start`.
//
//   node scripts/server.mjs [-H host] [-p port]     (defaults: HOSTNAME/HOST or 127.0.0.1, PORT or 3100)
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import next from "next";

const { values } = parseArgs({
  options: { hostname: { type: "string", short: "H" }, port: { type: "string", short: "p" } },
});
const hostname = values.hostname ?? process.env.HOST ?? "127.0.0.1";
const port = Number(values.port ?? process.env.PORT ?? 3100);

process.env.NODE_ENV = "production";
const app = next({ dev: false, dir: path.join(path.dirname(fileURLToPath(import.meta.url)), ".."), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
// Instrumentation registers the direct routes shortly after prepare() resolves. Without them every
// request would still be served, only slower, and that should not pass unnoticed.
const registeredBy = Date.now() + 60_000;
while (!globalThis.__tracecastDirectRoutes) {
  if (Date.now() > registeredBy) throw new Error("instrumentation.ts did not register the direct routes within 60 s");
  await new Promise((resolve) => setTimeout(resolve, 10));
}

const server = http.createServer((req, res) => {
  if (globalThis.__tracecastDirectRoutes?.serve(req, res)) return;
  void handle(req, res);
});
server.listen(port, hostname, () => console.log(`Tracecast listening on http://${hostname}:${port}`));

const within = (ms, work) => Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    // In-flight requests get a moment to finish, then the work their responses left running (a
    // proxied call's trace is recorded after its answer, dispatcher kicks): traces already answered
    // 202 are in the outbox either way, and leases of interrupted deliveries expire.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await within(5_000, closed);
    await within(5_000, globalThis.__tracecastDirectRoutes.settle());
    process.exit(0);
  });
}

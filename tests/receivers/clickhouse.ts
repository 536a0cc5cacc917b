// A real ClickHouse for tests: the ClickHouse 26.7 engine in-process through chDB, behind a small
// node:http shim speaking the subset of ClickHouse's HTTP interface that the official
// @clickhouse/client uses (https://clickhouse.com/docs/interfaces/http):
//   GET /ping                      → "Ok.\n"
//   POST /?query=<sql>  body=data  → the statement with the body as its inline data (INSERT … FORMAT …)
//   POST /              body=<sql> → the statement (SELECT … FORMAT …, DDL)
//   `database` query parameter     → the session's current database
//   auth: Authorization: Basic, or X-ClickHouse-User / X-ClickHouse-Key
// Errors come back as ClickHouse's own text ("Code: 60. DB::Exception: …") with an HTTP error status,
// which the client parses into ClickHouseError. SQL, types and data parsing are the real engine's;
// only this HTTP layer is ours. Other query parameters (query_id, client settings) are ignored.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Session } from "chdb";

export type ClickHouseReceiver = {
  url: string;
  username: string;
  password: string;
  /** Runs SQL directly on the engine (setup and read-back in tests). */
  query(sql: string, format?: string): Promise<string>;
  close(): Promise<void>;
};

/** HTTP status ClickHouse answers for an error code (what matters to clients: 4xx vs 5xx). */
function statusFor(code: number): number {
  if (code === 516 || code === 192 || code === 497) return 403;
  if (code === 60 || code === 81) return 404;
  if (code === 62 || code === 27 || code === 26 || code === 41 || code === 117 || code === 6 || code === 53) return 400;
  return 500;
}

function credentials(req: http.IncomingMessage): { user: string; key: string } {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const at = decoded.indexOf(":");
    return { user: decoded.slice(0, at), key: decoded.slice(at + 1) };
  }
  return { user: String(req.headers["x-clickhouse-user"] ?? "default"), key: String(req.headers["x-clickhouse-key"] ?? "") };
}

export async function startClickHouseReceiver(opts: { username?: string; password?: string } = {}): Promise<ClickHouseReceiver> {
  const username = opts.username ?? "tracecast";
  const password = opts.password ?? "s3cret-pass";
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-chdb-"));
  const session = new Session(directory);
  // chDB sessions are single-threaded: statements run one at a time, like a tiny server would queue them.
  let queue: Promise<unknown> = Promise.resolve();
  const run = (sql: string, format = "TabSeparated"): Promise<string> => {
    const next = queue.then(async () => (await session.queryAsync(sql, { format })).text());
    queue = next.catch(() => undefined);
    return next;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://clickhouse");
      const fail = (code: number, message: string) => {
        res.writeHead(statusFor(code), { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-exception-code": String(code) });
        res.end(message.startsWith("Code:") ? message : `Code: ${code}. DB::Exception: ${message}`);
      };
      if (url.pathname === "/ping") {
        res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" });
        return res.end("Ok.\n");
      }
      const { user, key } = credentials(req);
      if (user !== username || key !== password) {
        return fail(516, `${user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`);
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const queryParam = url.searchParams.get("query");
      const sql = queryParam === null ? body : body.length > 0 ? `${queryParam}\n${body}` : queryParam;
      try {
        const database = url.searchParams.get("database");
        if (database) await run(`USE \`${database.replace(/`/g, "")}\``);
        const result = await run(sql);
        res.writeHead(200, { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-summary": "{}" });
        res.end(result);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const code = Number(/^Code: (\d+)\./.exec(message)?.[1] ?? 1002);
        fail(code, message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    username,
    password,
    query: run,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      session.cleanup();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

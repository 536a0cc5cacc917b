// A generic loopback HTTP recorder for platforms with no runnable server here (PostHog, Datadog, Opik,
// Braintrust, Snowflake): node:http on 127.0.0.1 (port 0) that records every request (method, path,
// query, headers, raw body) and answers with a programmable status. Contract tests validate what it
// recorded against the platform's official schema.
import http from "node:http";
import { gunzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as text, gunzipped when sent with `Content-Encoding: gzip` (as the platforms decode it). */
  text: string;
  json<T = unknown>(): T;
};

export type RecorderResponse = { status: number; body?: string; headers?: Record<string, string> };

export type Recorder = {
  url: string;
  requests: RecordedRequest[];
  /** How to answer each request (default 200 with an empty JSON object). */
  respond: (req: RecordedRequest) => RecorderResponse;
  close(): Promise<void>;
};

export async function startRecorder(respond: Recorder["respond"] = () => ({ status: 200, body: "{}" })): Promise<Recorder> {
  const recorder = { requests: [] as RecordedRequest[], respond } as Recorder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://recorder");
      const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString("utf8");
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        text,
        json: <T>() => JSON.parse(text) as T,
      };
      recorder.requests.push(recorded);
      const answer = recorder.respond(recorded);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  recorder.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return recorder;
}

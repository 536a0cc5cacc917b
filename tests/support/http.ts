// One POST on a fresh connection, for the tests that reach the direct routes over node:http.
import http from "node:http";

export type HttpAnswer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** POSTs `body` with a Content-Length; `localAddress` picks the loopback address it comes from (127.0.0.2…: another client). */
export function postOverHttp(url: string, headers: Record<string, string>, body: string, localAddress?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: false, localAddress, headers: { ...headers, "content-length": Buffer.byteLength(body) } });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

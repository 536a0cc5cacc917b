// Slow requests against the production server (scripts/server.mjs) as an operator runs it, in an
// instance of its own (scripts/e2e-server.sh) with short bounds: a body trickling past
// TRACECAST_BODY_TIMEOUT_MS gets 408 from the direct routes, a request without a valid API key gets
// 401 before its body is sent, and headers trickling past TRACECAST_HEADERS_TIMEOUT_MS get node's 408.
import { spawn } from "node:child_process";
import net from "node:net";
import { expect, test } from "@playwright/test";

const BOUNDS = { TRACECAST_BODY_TIMEOUT_MS: "2000", TRACECAST_HEADERS_TIMEOUT_MS: "1500", TRACECAST_REQUEST_TIMEOUT_MS: "4000" };

/** A raw connection to the server: what came back, when the first byte came, whether it closed. */
function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  const state = { received: "", closed: false, firstByteAt: 0, openedAt: performance.now() };
  socket.on("data", (chunk) => {
    state.firstByteAt ||= performance.now();
    state.received += chunk.toString();
  });
  socket.on("close", () => (state.closed = true));
  socket.on("error", () => {});
  return { socket, state };
}

const head = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\n${Object.entries({ host: "127.0.0.1", "content-type": "application/json", ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
const statusOf = (received: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);

test("bounds slow headers and bodies, and refuses a missing or invalid API key before reading the body", async () => {
  test.setTimeout(180_000);
  const port = Number(process.env.E2E_PORT ?? 3100) + 58;
  const server = spawn("bash", ["scripts/e2e-server.sh"], { env: { ...process.env, ...BOUNDS, E2E_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await expect.poll(() => output, { timeout: 150_000, intervals: [500] }).toContain(`Tracecast listening on http://127.0.0.1:${port}`);
    const apiKey = /API key "Demo app" \(shown only now\): (\S+)/.exec(output)?.[1];
    expect(apiKey, output).toBeDefined();
    const trace = JSON.stringify({
      model: "openai/gpt-4o-mini",
      request: { messages: [{ role: "user", content: "Hello, slowly" }] },
      timing: { start: "2026-11-27T04:00:00.000Z", end: "2026-11-27T04:00:00.400Z" },
    });

    // A valid key and a body trickling one byte every 200 ms: 408 about 2 s after the request.
    const trickling = connect(port);
    trickling.socket.write(head("/api/v1/traces", { authorization: `Bearer ${apiKey}`, "content-length": String(trace.length) }));
    let sent = 0;
    const drip = setInterval(() => {
      if (!trickling.state.closed && sent < trace.length - 1) trickling.socket.write(trace[sent++]);
    }, 200);
    try {
      await expect.poll(() => trickling.state.closed, { timeout: 10_000, intervals: [100] }).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(statusOf(trickling.state.received)).toBe(408);
    expect(trickling.state.received).toContain('"code":"request_timeout"');
    expect(trickling.state.firstByteAt - trickling.state.openedAt).toBeLessThan(4_000);

    // No key, or an invalid one: 401 while the body has not been sent at all.
    for (const authorization of [undefined, "Bearer tc_0000000000000000000000000000000000000000"]) {
      const unauthenticated = connect(port);
      unauthenticated.socket.write(head("/api/v1/traces", { ...(authorization ? { authorization } : {}), "content-length": "100000" }));
      await expect.poll(() => statusOf(unauthenticated.state.received), { timeout: 5_000, intervals: [50] }).toBe(401);
      unauthenticated.socket.destroy();
    }

    // Headers that never end: node answers 408 once TRACECAST_HEADERS_TIMEOUT_MS has passed.
    const slowHeaders = connect(port);
    slowHeaders.socket.write("POST /api/v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    const headerDrip = setInterval(() => {
      if (!slowHeaders.state.closed) slowHeaders.socket.write("x-slow: 1\r\n");
    }, 200);
    try {
      await expect.poll(() => slowHeaders.state.closed, { timeout: 10_000, intervals: [100] }).toBe(true);
    } finally {
      clearInterval(headerDrip);
    }
    expect(statusOf(slowHeaders.state.received)).toBe(408);
    expect(performance.now() - slowHeaders.state.openedAt).toBeLessThan(5_000);
  } finally {
    server.kill("SIGTERM");
  }
});

// The first-run snippets (the API-key dialog and the Observability page's guide show them) are
// run as they are shown, against the real ingest route served over HTTP: each stores its trace.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendTraceSnippets } from "@/components/api-keys/send-trace-snippets";
import { createTestWorkspace, serveDirectRoutes, storedTraces, type RouteServer, type TestWorkspace } from "../../support/direct-routes";

let server: RouteServer;
let ws: TestWorkspace;
beforeAll(async () => {
  server = await serveDirectRoutes();
  ws = await createTestWorkspace("snippets");
});
afterAll(() => server.close());

describe("send-a-trace snippets", () => {
  it("name this server's ingest endpoint and the key", () => {
    const snippets = sendTraceSnippets("https://traces.example.com/", "tc_secret");
    expect(snippets.endpoint).toBe("https://traces.example.com/api/v1/traces");
    expect(snippets.curl).toContain("curl -X POST https://traces.example.com/api/v1/traces");
    expect(snippets.curl).toContain('-H "Authorization: Bearer tc_secret"');
    expect(snippets.fetch).toContain('fetch("https://traces.example.com/api/v1/traces"');
  });

  it("the curl command stores a trace", async () => {
    const { curl } = sendTraceSnippets(server.url, ws.apiKey);
    const { stdout } = await promisify(execFile)("bash", ["-c", `${curl} --silent --show-error --write-out ' %{http_code}'`]);
    expect(stdout).toMatch(/^\{"ids":\["[^"]+"\]\} 202$/);
    expect((await storedTraces(ws.ctx.workspace.id)).some((t) => t.trace?.trace_name === "First trace")).toBe(true);
  });

  it("the fetch snippet stores a trace", async () => {
    const before = (await storedTraces(ws.ctx.workspace.id)).length;
    const logged: unknown[] = [];
    const run = new Function("console", `return (async () => {\n${sendTraceSnippets(server.url, ws.apiKey).fetch}\n})();`) as (c: unknown) => Promise<void>;
    await run({ log: (...args: unknown[]) => logged.push(...args) });
    expect(logged[0]).toBe(202);
    expect(logged[1]).toEqual({ ids: [expect.any(String)] });
    expect(await storedTraces(ws.ctx.workspace.id)).toHaveLength(before + 1);
  });
});

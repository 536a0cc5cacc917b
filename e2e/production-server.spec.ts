// The production server (scripts/server.mjs) as an operator runs it, in a second instance on its
// own port and fresh database (scripts/e2e-server.sh, like the server the other specs use): the hot
// API routes are answered by its node:http listener, pages by Next.js behind it, and a SIGTERM stops
// it cleanly with every accepted trace stored.
import { spawn } from "node:child_process";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { expect, test } from "@playwright/test";

test("serves ingestion and pages, and stops on SIGTERM with the accepted traces stored", async ({ request }) => {
  test.setTimeout(180_000);
  const port = Number(process.env.E2E_PORT ?? 3100) + 57;
  const base = `http://127.0.0.1:${port}`;
  const server = spawn("bash", ["scripts/e2e-server.sh"], { env: { ...process.env, E2E_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  try {
    await expect.poll(() => output, { timeout: 150_000, intervals: [500] }).toContain(`Tracecast listening on ${base}`);
    const apiKey = /API key "Demo app" \(shown only now\): (\S+)/.exec(output)?.[1];
    expect(apiKey, output).toBeDefined();

    const trace = {
      model: "openai/gpt-4o-mini",
      request: { messages: [{ role: "user", content: "Hello from the production server test" }] },
      timing: { start: "2026-11-27T04:00:00.000Z", end: "2026-11-27T04:00:00.400Z" },
    };
    const accepted = await request.post(`${base}/api/v1/traces`, { headers: { authorization: `Bearer ${apiKey}` }, data: { traces: [trace, trace] } });
    expect(accepted.status()).toBe(202);
    const { ids } = (await accepted.json()) as { ids: string[] };
    expect(ids).toHaveLength(2);

    const refused = await request.post(`${base}/api/v1/traces`, { data: trace });
    expect(refused.status()).toBe(401);
    expect((await refused.json()).error.code).toBe("unauthorized");

    // Everything else is Next.js's: a page, and a method the route does not export.
    const page = await request.get(`${base}/sign-in`);
    expect(page.status()).toBe(200);
    expect(await page.text()).toContain("<html");
    expect((await request.get(`${base}/api/v1/traces`)).status()).toBe(405);

    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
  }

  // The database is free again once the server has exited (a PGlite directory admits one opener).
  const db = new PGlite(path.resolve(`.data/e2e/${port}`));
  try {
    const stored = await db.query<{ n: number }>(`select count(*)::int as n from "TracePayload" where data->'request'->'messages'->0->>'content' = $1`, [
      "Hello from the production server test",
    ]);
    expect(stored.rows[0].n).toBe(2);
  } finally {
    await db.close();
  }
});

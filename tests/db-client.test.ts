// driver.query (lib/db-client.ts), the statements ingestion runs past Prisma, on whichever database
// this run uses (PGlite on its thread, or PostgreSQL): named statements are prepared once per
// connection, and must give exactly what the same statement gives unnamed.
import { describe, expect, it } from "vitest";
import { driver } from "@/lib/db";

const ECHO = "SELECT $1::text AS text, $2::jsonb AS json, $3::float8 AS number, $4::boolean AS flag, $5::text AS missing";

// Text that a careless literal would break or turn into SQL: quotes, backslashes (meaningful in
// E'' literals), parameter and dollar-quote markers, a statement of its own, non-ASCII.
const AWKWARD = ["it's", "back\\slash \\' and \\\\", "$1 $$ $tag$ ::jsonb", `'); DELETE FROM "Workspace"; --`, "line\nbreak\ttab, 😀 é 中"];

describe("driver.query", () => {
  it("returns with a statement name exactly what the unnamed statement returns, for any text", async () => {
    for (const [i, text] of AWKWARD.entries()) {
      const params = [text, JSON.stringify({ text, list: [i, null, true] }), i + 0.25, i % 2 === 0, null];
      const unnamed = await driver.query(ECHO, params);
      expect(unnamed).toEqual([{ text, json: { text, list: [i, null, true] }, number: i + 0.25, flag: i % 2 === 0, missing: null }]);
      // The first use prepares the statement, the others run the prepared one.
      expect(await driver.query(ECHO, params, "tracecast_test_echo")).toEqual(unnamed);
    }
  });

  it("prepares a statement once when its first uses arrive together", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => driver.query<{ n: number }>("SELECT $1::int + 1 AS n", [i], "tracecast_test_together")));
    expect(results).toEqual(Array.from({ length: 5 }, (_, i) => [{ n: i + 1 }]));
  });

  it("reports a statement that cannot be prepared, and prepares it once it can be", async () => {
    const name = "tracecast_test_retry";
    await expect(driver.query("SELECT n FROM tracecast_test_later", [], name)).rejects.toThrow(/tracecast_test_later/);
    await driver.query("CREATE TABLE tracecast_test_later AS SELECT 7 AS n", []);
    try {
      expect(await driver.query("SELECT n FROM tracecast_test_later", [], name)).toEqual([{ n: 7 }]);
    } finally {
      await driver.query("DROP TABLE tracecast_test_later", []);
    }
  });

  it("keeps the server's thread free while a statement runs", async () => {
    // PGlite runs synchronously wherever it is called: on the server's thread a slow statement
    // would hold every timer and request until it ends (lib/pglite-thread).
    const started = performance.now();
    let timerFiredAfter = Infinity;
    setTimeout(() => (timerFiredAfter = performance.now() - started), 20);
    await driver.query("SELECT pg_sleep(0.6)", []);
    expect(timerFiredAfter).toBeLessThan(300);
  });
});

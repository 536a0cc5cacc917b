// ClickHouse destination against a real ClickHouse engine (chDB 26.7 behind the HTTP shim), through the
// official @clickhouse/client: table created from setupSql, rows delivered, selected back and compared.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import clickhouse, { clickhouseRows } from "@/lib/destinations/clickhouse";
import { DeliveryError } from "@/lib/outbound/errors";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { startClickHouseReceiver, type ClickHouseReceiver } from "../receivers/clickhouse";

let ch: ClickHouseReceiver;
beforeAll(async () => {
  ch = await startClickHouseReceiver();
});
afterAll(async () => {
  await ch?.close();
});

const configFor = (overrides: Record<string, unknown> = {}) =>
  clickhouse.config.parse({ host: ch.url, username: ch.username, password: ch.password, ...overrides });

async function createTable(table: string) {
  await ch.query(clickhouse.setupSql!(configFor({ table })));
}

async function selectAll(table: string): Promise<Record<string, unknown>[]> {
  const text = await ch.query(`SELECT * FROM default.${table} FINAL ORDER BY TRACE_ID, SPAN_ID`, "JSONEachRow");
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const plain = outbound(
  sampleTrace({
    id: "gen-plain",
    trace: { trace_id: null, trace_name: null, span_name: null, generation_name: null, parent_span_id: null },
    user: null,
    cost: { input: null, output: null, total: null },
    usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12, cached_tokens: null, reasoning_tokens: null },
  }),
  0.25,
);
const nested = outbound(sampleTrace({ id: "gen-nested" }));

describe("ClickHouse destination (real engine, official client)", () => {
  it("setupSql creates a ReplacingMergeTree ordered by (TRACE_ID, SPAN_ID)", async () => {
    await createTable("SETUP_CHECK");
    const ddl = await ch.query("SELECT engine, sorting_key FROM system.tables WHERE database = 'default' AND name = 'SETUP_CHECK'", "JSONEachRow");
    expect(JSON.parse(ddl)).toEqual({ engine: "ReplacingMergeTree", sorting_key: "TRACE_ID, SPAN_ID" });
  });

  it("delivers one row per observation; SELECT returns exactly the encoded rows", async () => {
    await createTable("TRACES_A");
    const config = configFor({ table: "TRACES_A" });
    await deliverBatch(clickhouse, [plain, nested], config);
    const rows = await selectAll("TRACES_A");
    const expected = clickhouseRows([plain, nested]).sort((a, b) => `${a.TRACE_ID}/${a.SPAN_ID}`.localeCompare(`${b.TRACE_ID}/${b.SPAN_ID}`));
    expect(rows).toHaveLength(3);
    // Every column round-trips: DateTime64 text, Nullable, Float64 costs, Array(String), Bool, JSON strings.
    expect(rows).toEqual(expected);
    const generation = rows.find((r) => r.SPAN_ID === "gen-nested")!;
    expect(generation).toMatchObject({
      TRACE_ID: "trace-weather-001",
      PARENT_SPAN_ID: "gen-nested:span",
      SPAN_TYPE: "GENERATION",
      SPAN_NAME: "Weather LLM call",
      TRACE_NAME: "Weather question",
      START_TIME: "2026-11-26 12:00:00.000",
      DURATION_MS: 1530,
      PROMPT_TOKENS: 42,
      TOTAL_COST: 0.0000165,
      USER_ID: "user_42",
      IS_TEST: false,
    });
    expect(JSON.parse(generation.METADATA as string)).toMatchObject({ environment: "production", release: "2026.11.1" });
    expect(JSON.parse(generation.INPUT as string).messages[1].content).toBe("What's the weather in Paris?");
    const plainRow = rows.find((r) => r.SPAN_ID === "gen-plain")!;
    expect(plainRow).toMatchObject({ TRACE_ID: "gen-plain", PARENT_SPAN_ID: null, USER_ID: null, TOTAL_COST: null, CACHED_TOKENS: null, SAMPLING_RATE: 0.25 });
  });

  it("a retried batch does not duplicate rows (ReplacingMergeTree key)", async () => {
    await createTable("TRACES_RETRY");
    const config = configFor({ table: "TRACES_RETRY" });
    await deliverBatch(clickhouse, [nested], config);
    await deliverBatch(clickhouse, [nested], config);
    expect(await selectAll("TRACES_RETRY")).toHaveLength(2);
  });

  it("privacy mode: INPUT/OUTPUT are NULL, usage is kept", async () => {
    await createTable("TRACES_PRIVATE");
    await deliverBatch(clickhouse, [outbound(applyPrivacy(nested))], configFor({ table: "TRACES_PRIVATE" }));
    const rows = await selectAll("TRACES_PRIVATE");
    expect(rows.map((r) => [r.INPUT, r.OUTPUT])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(rows.find((r) => r.SPAN_TYPE === "GENERATION")?.TOTAL_TOKENS).toBe(59);
    expect(JSON.stringify(rows)).not.toContain("Paris");
  });

  it("a missing table is a clear, permanent configuration error (delivery and Test connection)", async () => {
    const config = configFor({ table: "NO_SUCH_TABLE" });
    const error = await deliverBatch(clickhouse, [nested], config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: "config", retryable: false });
    expect((error as DeliveryError).message).toMatch(/default\.NO_SUCH_TABLE.*does not exist: create it with the setup SQL.*code 60/);
    const test = await runDestinationTest(clickhouse, config);
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/does not exist/);
  });

  it("wrong password → permanent; unreachable host → retryable", async () => {
    await createTable("TRACES_AUTH");
    const denied = await deliverBatch(clickhouse, [nested], configFor({ table: "TRACES_AUTH", password: "wrong" })).catch((e: unknown) => e);
    expect(denied).toMatchObject({ kind: "config", retryable: false });
    expect((denied as Error).message).toMatch(/authentication failed/);
    const down = await deliverBatch(clickhouse, [nested], configFor({ host: "http://127.0.0.1:9" })).catch((e: unknown) => e);
    expect(down).toMatchObject({ kind: "network", retryable: true });
  });

  it("Test connection inserts the synthetic test trace (IS_TEST rows) and passes", async () => {
    await createTable("TRACES_TEST");
    const result = await runDestinationTest(clickhouse, configFor({ table: "TRACES_TEST" }));
    expect(result).toMatchObject({ ok: true });
    const rows = await selectAll("TRACES_TEST");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.IS_TEST === true)).toBe(true);
  });

  it("config: identifiers are validated (no SQL injection through database/table)", () => {
    const bad = clickhouse.config.safeParse({ host: "https://ch.example.com:8443", table: "x; DROP TABLE y" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(["table"]);
    expect(configFor()).toMatchObject({ database: "default", table: "OPENROUTER_TRACES", username: ch.username });
  });
});

// Supabase: the PostgREST insert compared field by field with what the official @supabase/supabase-js
// sends for the same rows (recorded on a loopback server), then delivered through the shared path and
// the drain to a loopback stand-in for the Data API answering as PostgREST does (201, its JSON
// errors), and Test connection for each answer.
import { createClient } from "@supabase/supabase-js";
import { describe, expect, it } from "vitest";
import supabase, { supabaseRequests, supabaseSetupSql } from "@/lib/destinations/supabase";
import { deliverBatch, runDestinationTest } from "@/lib/destinations/http";
import { PG_COLUMNS, pgRowObject } from "@/lib/destinations/pg-rows";
import { traceRows } from "@/lib/destinations/rows";
import { drainDestination } from "@/lib/delivery/drain";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { applyPrivacy } from "@/lib/traces/normalize";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, makeDue } from "../support/delivery";
import type { RecordedRequest } from "../receivers/recorder";
import { useRecorder } from "../support/recorder-context";

const KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
const recorder = useRecorder({ status: 201 });
const configFor = (overrides: Record<string, unknown> = {}) =>
  supabase.config.parse({ projectUrl: recorder().url, apiKey: KEY, schema: "analytics", table: "llm_traces", ...overrides });
const traces = [outbound(sampleTrace({ id: "gen-sb-1" })), outbound(sampleTrace({ id: "gen-sb-2", user: null }))];

/** supabase-js in Node 20 wants a WebSocket class for its (unused here) realtime client; nothing connects. */
class NoWebSocket {}

async function sdkRequest(rows: Record<string, unknown>[]): Promise<RecordedRequest> {
  const client = createClient(recorder().url, KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: NoWebSocket as never },
  });
  const { error } = await client.schema("analytics").from("llm_traces").upsert(rows, { ignoreDuplicates: true });
  expect(error).toBeNull();
  return recorder().requests.at(-1)!;
}

const postgrestError = (status: number, code: string, message: string) => () => ({ status, body: JSON.stringify({ code, details: null, hint: null, message }) });

describe("Supabase destination", () => {
  it("sends what @supabase/supabase-js sends for upsert(rows, { ignoreDuplicates: true }), field by field", async () => {
    const rows = traces.flatMap(traceRows).map(pgRowObject);
    const sdk = await sdkRequest(rows);
    recorder().requests.length = 0;
    await deliverBatch(supabase, traces, configFor());
    const ours = recorder().requests[0];

    expect(ours.method).toBe(sdk.method);
    expect(ours.path).toBe("/rest/v1/llm_traces");
    expect(ours.path).toBe(sdk.path);
    expect([...ours.query.entries()]).toEqual([...sdk.query.entries()]);
    expect(ours.query.get("columns")).toBe(PG_COLUMNS.map((c) => `"${c.name}"`).join(","));
    for (const header of ["apikey", "authorization", "content-profile", "content-type"]) {
      expect([header, ours.headers[header]]).toEqual([header, sdk.headers[header]]);
    }
    expect(ours.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(ours.headers["content-profile"]).toBe("analytics");
    // The SDK's preference, plus return=minimal (PostgREST's default for an insert, stated so no rows are echoed).
    expect(sdk.headers.prefer).toBe("resolution=ignore-duplicates");
    expect(String(ours.headers.prefer).split(",").sort()).toEqual(["resolution=ignore-duplicates", "return=minimal"]);
    // Not a browser: Supabase refuses secret keys from browser user agents.
    expect(ours.headers["user-agent"]).toMatch(/^Tracecast\//);
    expect(ours.json()).toEqual(sdk.json());
    expect(ours.json<Record<string, unknown>[]>()[0]).toMatchObject({ trace_id: expect.any(String), span_type: expect.any(String), is_test: false });
  });

  it("one row per observation, with JSON columns as JSON and tags as an array; privacy mode sends no content", async () => {
    await deliverBatch(supabase, [outbound(sampleTrace({ id: "gen-rows" }))], configFor());
    const rows = recorder().requests[0].json<Record<string, unknown>[]>();
    expect(rows.map((r) => r.span_type).sort()).toEqual(traceRows(outbound(sampleTrace({ id: "gen-rows" }))).map((r) => r.SPAN_TYPE).sort());
    const generation = rows.find((r) => r.span_type === "GENERATION")!;
    expect(Object.keys(generation)).toEqual(PG_COLUMNS.map((c) => c.name));
    expect(generation.input).toMatchObject({ messages: expect.any(Array) });
    expect(Array.isArray(generation.tags)).toBe(true);
    recorder().requests.length = 0;
    await deliverBatch(supabase, [outbound(applyPrivacy(sampleTrace({ id: "gen-private" })))], configFor());
    const text = recorder().requests[0].text;
    expect(text).not.toContain("Paris");
    expect(text).toContain('"total_tokens":59');
  });

  it("through the drain: a 503 is retried and then delivered; a 401 fails permanently with the advice", async () => {
    const workspace = await createWorkspace();
    const destination = await createDestinationRow(workspace.id, "supabase", { projectUrl: recorder().url, apiKey: KEY });
    await enqueue(workspace.id, [destination.id], 2);
    recorder().respond = () => ({ status: 503, body: "upstream unavailable" });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, retrying: 2 });
    recorder().respond = () => ({ status: 201 });
    await makeDue(destination.id);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2 });
    expect(recorder().requests.at(-1)!.path).toBe("/rest/v1/tracecast_traces");
    expect(recorder().requests.at(-1)!.headers["content-profile"]).toBe("public");

    await enqueue(workspace.id, [destination.id], 1);
    recorder().respond = () => ({ status: 401, body: JSON.stringify({ message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." }) });
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, failed: 1 });
    const failed = (await deliveriesOf(destination.id)).find((d) => d.status === "failed")!;
    expect(failed.lastError).toMatch(/Supabase refused the insert into public\.tracecast_traces \(401\): check the secret key.*Invalid API key/);
  });

  it("a value PostgreSQL refuses (SQLSTATE class 22/23 through PostgREST) fails only its trace; the others are delivered", async () => {
    const workspace = await createWorkspace();
    const destination = await createDestinationRow(workspace.id, "supabase", { projectUrl: recorder().url, apiKey: KEY });
    const [, refusedId] = await enqueue(workspace.id, [destination.id], 3);
    const refused = (await deliveriesOf(destination.id)).find((d) => d.id === refusedId)!;
    recorder().respond = (req) =>
      req.text.includes(`"${refused.traceId}"`)
        ? { status: 400, body: JSON.stringify({ code: "23514", details: "Failing row contains …", hint: null, message: 'new row for relation "tracecast_traces" violates check constraint "model_known"' }) }
        : { status: 201 };
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2, failed: 1, retrying: 0 });
    const failed = (await deliveriesOf(destination.id)).find((d) => d.status === "failed")!;
    expect(failed.id).toBe(refusedId);
    expect(failed.lastError).toMatch(/Supabase refused the insert into public\.tracecast_traces \(400\)\. new row .* violates check constraint "model_known" \[23514\]/);
    // The whole batch first, then each trace alone.
    expect(recorder().requests.map((r) => r.json<unknown[]>().length)).toEqual([6, 2, 2, 2]);
  });

  it("Test connection inserts the test trace, and names the cause of each refusal", async () => {
    expect(await runDestinationTest(supabase, configFor())).toMatchObject({ ok: true, message: "Supabase accepted the test trace (201)" });
    expect(recorder().requests[0].json<{ is_test: boolean }[]>().every((r) => r.is_test)).toBe(true);

    recorder().respond = postgrestError(401, "", "Invalid API key");
    const wrongKey = await runDestinationTest(supabase, configFor());
    expect(wrongKey).toMatchObject({ ok: false, status: 401 });
    expect(wrongKey.message).toMatch(/check the secret key/);
    expect(wrongKey.message).not.toContain(KEY);

    recorder().respond = postgrestError(404, "PGRST205", "Could not find the table 'analytics.llm_traces' in the schema cache");
    const noTable = await runDestinationTest(supabase, configFor());
    expect(noTable).toMatchObject({ ok: false, status: 404 });
    expect(noTable.message).toMatch(/the table does not exist: create it with the setup SQL\. Could not find the table 'analytics\.llm_traces'.*\[PGRST205\]/);

    recorder().respond = postgrestError(400, "PGRST204", "Could not find the 'reasoning_tokens' column of 'llm_traces' in the schema cache");
    const noColumn = await runDestinationTest(supabase, configFor());
    expect(noColumn).toMatchObject({ ok: false, status: 400 });
    expect(noColumn.message).toMatch(/the table is missing columns: recreate it with the setup SQL\. Could not find the 'reasoning_tokens' column/);
  });

  it("splits a large batch by its declared limits", () => {
    const many = Array.from({ length: 450 }, (_, i) => outbound(sampleTrace({ id: `gen-many-${i}` })));
    expect(supabaseRequests(many, configFor()).map((r) => r.traceCount)).toEqual([200, 200, 50]);
  });

  it("config: a publishable key, an invalid key, a bad project URL or identifier is refused, naming the field", () => {
    const issues = (config: Record<string, unknown>) =>
      supabase.config.safeParse({ projectUrl: "https://abc.supabase.co", apiKey: KEY, ...config }).error?.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    expect(issues({})).toBeUndefined();
    expect(issues({ apiKey: "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln" })).toBeUndefined();
    expect(issues({ apiKey: "sb_publishable_abc" })).toEqual(["apiKey: This is a publishable key: use a secret key (sb_secret_…), which may insert past Row Level Security"]);
    expect(issues({ apiKey: "hunter2" })?.[0]).toMatch(/^apiKey: Secret Key must be a secret key/);
    expect(issues({ projectUrl: "ftp://abc" })?.[0]).toMatch(/^projectUrl: Project URL must be an http\(s\) URL/);
    expect(issues({ table: "traces; drop table x" })?.[0]).toMatch(/^table: Table may only contain/);
    expect(issues({ schema: "1public" })?.[0]).toMatch(/^schema: Schema may only contain/);
  });

  it("setup SQL: the table with every column and its primary key, and Row Level Security enabled with no policy", () => {
    const sql = supabaseSetupSql({ schema: "analytics", table: "llm_traces" });
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS "analytics"\."llm_traces" \(/);
    for (const c of PG_COLUMNS) expect(sql).toContain(`    ${c.name} `);
    expect(sql).toContain("PRIMARY KEY (trace_id, span_id)");
    expect(sql).toContain('ALTER TABLE "analytics"."llm_traces" ENABLE ROW LEVEL SECURITY;');
    expect(sql).not.toMatch(/CREATE POLICY/i);
  });
});

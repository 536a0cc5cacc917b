// The PostgreSQL destination against the real PostgreSQL the suite runs (the PostgreSQL phase:
// TEST_DATABASE_URL set; each test file's own fresh database is the destination's database): the
// setup SQL creates the table, rows are inserted with `pg` through the shared delivery path and the
// drain and selected back, Test connection reports each missing piece. The SSRF refusal and the
// form's rules need no database and run in both phases.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres, { parseConnectionString, postgresSetupSql } from "@/lib/destinations/postgres";
import { supabaseSetupSql } from "@/lib/destinations/supabase";
import { PG_COLUMNS } from "@/lib/destinations/pg-rows";
import { traceRows } from "@/lib/destinations/rows";
import { deliverBatch, deliverTraces, runDestinationTest } from "@/lib/destinations/http";
import { drainDestination } from "@/lib/delivery/drain";
import type { LookupFunction } from "@/lib/outbound/ssrf";
import { outbound, sampleTrace } from "@/lib/traces/fixtures";
import { NO_GENERATION_METADATA } from "@/lib/traces/generation-metadata";
import { shapeTrace } from "@/lib/traces/shape";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, makeDue, SEND_GENERATION_METADATA } from "../support/delivery";

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres) console.info("[postgres destination] the delivery tests run in the PostgreSQL phase only (TEST_DATABASE_URL is unset); the SSRF and form tests run here");

/** The test file's own database (tests/setup/per-file.ts) as a user would give it. */
const connectionString = () => process.env.DATABASE_URL!;
const configFor = (overrides: Record<string, unknown> = {}) => postgres.config.parse({ connectionString: connectionString(), table: "analytics.llm_traces", tlsMode: "disable", ...overrides });

describe.skipIf(!onPostgres)("PostgreSQL destination (real PostgreSQL, pg)", () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: connectionString() });
    await db.connect();
    await db.query("CREATE SCHEMA analytics");
    await db.query(postgresSetupSql({ table: "analytics.llm_traces" }));
  });
  afterAll(() => db?.end());
  const rowsOf = async (table = "analytics.llm_traces", where = "true") =>
    (await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE ${where} ORDER BY trace_id, span_id`)).rows;

  it("the setup SQL creates every column with its type and the primary key; Supabase's (RLS on) runs here too", async () => {
    const columns = await db.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'llm_traces' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((c) => c.column_name)).toEqual(PG_COLUMNS.map((c) => c.name));
    expect(Object.fromEntries(columns.rows.map((c) => [c.column_name, c.data_type]))).toMatchObject({ input: "jsonb", tags: "ARRAY", start_time: "timestamp with time zone", total_tokens: "bigint" });
    await db.query(supabaseSetupSql({ schema: "public", table: "supabase_traces" }));
    expect((await db.query("SELECT relrowsecurity FROM pg_class WHERE relname = 'supabase_traces'")).rows[0]).toEqual({ relrowsecurity: true });
  });

  it("inserts one row per observation with typed values; the same batch again inserts nothing twice", async () => {
    const traces = [outbound(sampleTrace({ id: "gen-pg-1" })), outbound(sampleTrace({ id: "gen-pg-2", trace: { ...sampleTrace().trace, trace_id: "trace-pg-2", span_name: null } }), 0.5)];
    await deliverBatch(postgres, traces, configFor());
    await deliverBatch(postgres, traces, configFor());
    const rows = await rowsOf("analytics.llm_traces", "trace_id IN ('trace-weather-001', 'trace-pg-2')");
    const expected = traces.flatMap(traceRows);
    expect(rows).toHaveLength(expected.length);
    const generation = rows.find((r) => r.span_id === "gen-pg-1")!;
    const source = expected.find((r) => r.SPAN_ID === "gen-pg-1")!;
    expect(generation).toMatchObject({
      trace_id: "trace-weather-001",
      span_type: "GENERATION",
      model: source.MODEL,
      prompt_tokens: "42", // bigint comes back as text from pg
      total_cost: source.TOTAL_COST,
      input: source.INPUT,
      output: source.OUTPUT,
      metadata: source.METADATA,
      tags: [],
      is_test: false,
      sampling_rate: 1,
    });
    expect((generation.start_time as Date).toISOString()).toBe(source.START_TIME);
    expect(rows.find((r) => r.span_id === "gen-pg-2")).toMatchObject({ sampling_rate: 0.5, parent_span_id: null });
  });

  it("values are parameters, never SQL: hostile content is stored as written; a NUL character becomes U+FFFD", async () => {
    const hostile = "Robert'); DROP TABLE analytics.llm_traces; --";
    const trace = sampleTrace({ id: "gen-pg-hostile", trace: { ...sampleTrace().trace, trace_id: "trace-hostile", span_name: null } });
    await deliverBatch(postgres, [outbound({ ...trace, user: hostile, request: { ...trace.request, messages: [{ role: "user", content: "a\u0000b" }] } })], configFor());
    const [row] = await rowsOf("analytics.llm_traces", "trace_id = 'trace-hostile'");
    expect(row.user_id).toBe(hostile);
    expect(JSON.stringify(row.input)).toContain("a\ufffdb");
  });

  it("generation-metadata switches: a switched-off group's fields are absent from the rows, present when on", async () => {
    const base = sampleTrace({ id: "gen-pg-switches", trace: { ...sampleTrace().trace, trace_id: "trace-switches", span_name: null } });
    await deliverBatch(postgres, [outbound(shapeTrace(base, { privacyMode: false, ...NO_GENERATION_METADATA }))], configFor());
    const [off] = await rowsOf("analytics.llm_traces", "trace_id = 'trace-switches'");
    expect(off).toMatchObject({ input_cost: null, output_cost: null, user_id: null, api_key_name: null, finish_reason: null });
    expect(JSON.stringify(off.metadata)).not.toContain("chatcmpl-123");
    await db.query("DELETE FROM analytics.llm_traces WHERE trace_id = 'trace-switches'");
    await deliverBatch(postgres, [outbound(shapeTrace(base, { privacyMode: false, ...SEND_GENERATION_METADATA }))], configFor());
    const [on] = await rowsOf("analytics.llm_traces", "trace_id = 'trace-switches'");
    expect(on).toMatchObject({ input_cost: 0.0000063, user_id: "user_42", api_key_name: "Production", finish_reason: "stop" });
  });

  it("a value PostgreSQL refuses fails only its trace, permanently; the rest of the batch is delivered", async () => {
    await db.query("CREATE TABLE analytics.checked (LIKE analytics.llm_traces INCLUDING ALL)");
    await db.query("ALTER TABLE analytics.checked ADD CONSTRAINT no_refused_model CHECK (model IS DISTINCT FROM 'refused-model')");
    const traceOf = (id: string, model: string) => outbound(sampleTrace({ id, model, response: { ...sampleTrace().response, model }, trace: { ...sampleTrace().trace, trace_id: id, span_name: null } }));
    const { failed } = await deliverTraces(postgres, [traceOf("gen-ok-a", "gpt"), traceOf("gen-bad", "refused-model"), traceOf("gen-ok-b", "gpt")], configFor({ table: "analytics.checked" }));
    expect([...failed.keys()]).toEqual(["dlv-gen-bad"]);
    expect(failed.get("dlv-gen-bad")).toMatchObject({ kind: "encode", retryable: false });
    expect(failed.get("dlv-gen-bad")!.message).toMatch(/23514.*no_refused_model/);
    expect((await rowsOf("analytics.checked")).map((r) => r.trace_id)).toEqual(["gen-ok-a", "gen-ok-b"]);
  });

  it("the server's error text is kept to a line in the delivery error, however long the server makes it", async () => {
    await db.query("CREATE TABLE analytics.verbose (LIKE analytics.llm_traces INCLUDING ALL)");
    await db.query("CREATE FUNCTION analytics.verbose_refusal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', repeat('x', 20000) USING ERRCODE = '22000', DETAIL = repeat('y', 20000); END $$");
    await db.query("CREATE TRIGGER refuse BEFORE INSERT ON analytics.verbose FOR EACH ROW EXECUTE FUNCTION analytics.verbose_refusal()");
    const refused = await deliverBatch(postgres, [outbound(sampleTrace({ id: "gen-verbose" }))], configFor({ table: "analytics.verbose" })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "encode", retryable: false, message: expect.stringContaining("22000") });
    expect((refused as Error).message.length).toBeLessThan(800);
  });

  it("through the drain: connection refused is retried, then delivered; a missing table fails permanently with the advice", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const free = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(free));
      });
    });
    const workspace = await createWorkspace();
    const viaRelay = new URL(connectionString());
    const target = { host: viaRelay.hostname, port: Number(viaRelay.port || 5432) };
    viaRelay.port = String(port);
    const destination = await createDestinationRow(workspace.id, "postgres", { connectionString: viaRelay.toString(), table: "analytics.llm_traces", tlsMode: "disable" });
    const ids = await enqueue(workspace.id, [destination.id], 2);
    expect(await drainDestination(destination.id)).toMatchObject({ delivered: 0, retrying: 2 });
    expect((await deliveriesOf(destination.id))[0].lastError).toMatch(/ECONNREFUSED/);

    // The server comes back on that port (a relay to the real one): the retry delivers both.
    const relay = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(port, "127.0.0.1", resolve));
    try {
      await makeDue(destination.id);
      expect(await drainDestination(destination.id)).toMatchObject({ delivered: 2 });
      expect((await deliveriesOf(destination.id)).map((d) => [ids.includes(d.id), d.status])).toEqual([[true, "delivered"], [true, "delivered"]]);
    } finally {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }

    const missing = await createDestinationRow(workspace.id, "postgres", { connectionString: connectionString(), table: "analytics.nowhere", tlsMode: "disable" });
    await enqueue(workspace.id, [missing.id], 1);
    expect(await drainDestination(missing.id)).toMatchObject({ failed: 1 });
    expect((await deliveriesOf(missing.id))[0].lastError).toMatch(/the table does not exist: create it with the setup SQL \(42P01/);
  });

  it("Test connection: passes and keeps nothing; names a missing table, each missing column, an unknown user and a server without TLS", async () => {
    const before = (await rowsOf()).length;
    expect(await runDestinationTest(postgres, configFor())).toMatchObject({ ok: true, message: "PostgreSQL accepted the test rows for analytics.llm_traces (rolled back: nothing was kept)" });
    expect(await rowsOf()).toHaveLength(before);

    expect((await runDestinationTest(postgres, configFor({ table: "analytics.nowhere" }))).message).toMatch(/the table does not exist: create it with the setup SQL/);

    await db.query("CREATE TABLE analytics.partial AS SELECT * FROM analytics.llm_traces WITH NO DATA");
    await db.query("ALTER TABLE analytics.partial DROP COLUMN reasoning_tokens, DROP COLUMN tags");
    expect(await runDestinationTest(postgres, configFor({ table: "analytics.partial" }))).toEqual({
      ok: false,
      message: "The table analytics.partial is missing columns reasoning_tokens, tags: recreate it with the setup SQL",
    });

    const stranger = new URL(connectionString());
    stranger.username = "no_such_user";
    const unknownUser = await runDestinationTest(postgres, configFor({ connectionString: stranger.toString() }));
    expect(unknownUser.ok).toBe(false);
    expect(unknownUser.message).toMatch(/28000|28P01/);

    // A user without privileges on the table (roles are the cluster's: a unique one, dropped after).
    const role = `tracecast_noprivs_${Date.now()}`;
    await db.query(`CREATE ROLE ${role} LOGIN`);
    try {
      const unprivileged = new URL(connectionString());
      unprivileged.username = role;
      const denied = await runDestinationTest(postgres, configFor({ connectionString: unprivileged.toString() }));
      expect(denied).toMatchObject({ ok: false, message: expect.stringMatching(/the user lacks a privilege on the table \(GRANT SELECT, INSERT: see the setup SQL\) \(42501/) });
    } finally {
      await db.query(`DROP ROLE ${role}`);
    }

    const tls = await runDestinationTest(postgres, configFor({ tlsMode: "require" }));
    expect(tls).toMatchObject({ ok: false });
    expect(tls.message).toMatch(/does not accept TLS connections/);
  });
});

describe("PostgreSQL destination: SSRF guard", () => {
  it("refuses a loopback or private host unless private targets are allowed, before connecting", async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => {
      accepted.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const previous = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
    try {
      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
      const trace = outbound(sampleTrace({ id: "gen-ssrf" }));
      for (const host of ["127.0.0.1", "[::1]", "0x7f.1", "10.0.0.8", "169.254.169.254"]) {
        const config = postgres.config.parse({ connectionString: `postgresql://u:p@${host}:${port}/db`, tlsMode: "disable" });
        const refused = await deliverBatch(postgres, [trace], config).catch((e: unknown) => e);
        expect([host, refused]).toEqual([host, expect.objectContaining({ kind: "blocked_target", retryable: false })]);
      }
      // A name is resolved once, by the guard: a private answer is refused, and pg never looks the name up itself.
      const asked: string[] = [];
      const lookup = ((hostname: string, _opts: unknown, cb: (err: null, a: { address: string; family: number }[]) => void) => {
        asked.push(hostname);
        cb(null, [{ address: "127.0.0.1", family: 4 }]);
      }) as unknown as LookupFunction;
      const named = postgres.config.parse({ connectionString: `postgresql://u:p@db.tracecast.test:${port}/db`, tlsMode: "disable" });
      const refused = await deliverBatch(postgres, [trace], named, { lookup }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ kind: "blocked_target", message: expect.stringContaining("db.tracecast.test resolves to 127.0.0.1") });
      expect(accepted).toHaveLength(0);
      const test = await runDestinationTest(postgres, named, { lookup });
      expect(test).toMatchObject({ ok: false, message: expect.stringContaining("TRACECAST_ALLOW_PRIVATE_TARGETS") });
      expect(accepted).toHaveLength(0);

      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
      asked.length = 0;
      await deliverBatch(postgres, [trace], named, { lookup }).catch(() => undefined);
      expect(asked).toEqual(["db.tracecast.test"]);
      expect(accepted).toHaveLength(1);
    } finally {
      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = previous;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("PostgreSQL destination: TLS", () => {
  it("verify-full checks the certificate, presenting the host name (not the checked address); require encrypts without verifying", async () => {
    // A server that accepts PostgreSQL's SSLRequest and completes TLS with a self-signed certificate for the host name.
    const dir = mkdtempSync(path.join(tmpdir(), "tracecast-pg-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1", "-subj", "/CN=db.tracecast.test", "-addext", "subjectAltName=DNS:db.tracecast.test"], { stdio: "ignore" });
    const context = tls.createSecureContext({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) });
    rmSync(dir, { recursive: true, force: true });
    const handshakes: { servername: string | false | null; secured: boolean }[] = [];
    const server = net.createServer((socket) => {
      socket.once("data", () => {
        socket.write("S");
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
        const seen = { servername: false as string | false | null, secured: false };
        handshakes.push(seen);
        secure.on("secure", () => {
          seen.servername = secure.servername;
          seen.secured = true;
          secure.destroy();
        });
        secure.on("error", () => socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const lookup = ((_h: string, _o: unknown, cb: (err: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: "127.0.0.1", family: 4 }])) as unknown as LookupFunction;
    const configWith = (tlsMode: string) => postgres.config.parse({ connectionString: `postgresql://u:p@db.tracecast.test:${port}/db`, tlsMode });
    const trace = outbound(sampleTrace({ id: "gen-tls" }));
    try {
      const unverified = await deliverBatch(postgres, [trace], configWith("verify-full"), { lookup }).catch((e: unknown) => e);
      expect(unverified).toMatchObject({ kind: "config", retryable: false, message: expect.stringMatching(/TLS certificate could not be verified \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/) });
      expect(handshakes.at(-1)?.secured).toBe(false);

      const encrypted = await deliverBatch(postgres, [trace], configWith("require"), { lookup }).catch((e: unknown) => e);
      expect(handshakes.at(-1)).toEqual({ servername: "db.tracecast.test", secured: true });
      expect(encrypted).toMatchObject({ retryable: true });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("PostgreSQL destination: form", () => {
  const issues = (config: Record<string, unknown>) =>
    postgres.config.safeParse({ connectionString: "postgresql://tracecast:pw@db.example.com:5432/analytics", ...config }).error?.issues.map((i) => `${String(i.path[0])}: ${i.message}`);

  it("accepts a connection string, a table with or without schema, and a TLS mode (verify-full unless chosen)", () => {
    expect(issues({})).toBeUndefined();
    expect(postgres.config.parse({ connectionString: "postgres://u@h/db" })).toMatchObject({ table: "tracecast_traces", tlsMode: "verify-full" });
    expect(issues({ table: "analytics.llm_traces", tlsMode: "require" })).toBeUndefined();
    expect(parseConnectionString("postgresql://user%40corp:p%2Fw@[2001:db8::1]:6543/my%20db")).toEqual({ host: "2001:db8::1", port: 6543, user: "user@corp", password: "p/w", database: "my db" });
  });

  it("refuses what it cannot connect to as given, naming the field", () => {
    expect(issues({ connectionString: "mysql://u:p@h/db" })).toEqual(["connectionString: Connection String must start with postgresql://"]);
    expect(issues({ connectionString: "not a url" })?.[0]).toMatch(/^connectionString: Connection String must look like postgresql:\/\//);
    expect(issues({ connectionString: "postgresql:///db?host=/var/run/postgresql" })?.[0]).toMatch(/must name a host/);
    expect(issues({ connectionString: "postgresql://u:p@h/db?sslmode=disable" })).toEqual(["connectionString: Connection String must not carry parameters (?…): choose TLS with the TLS field"]);
    expect(issues({ connectionString: "postgresql://h1,h2/db" })?.[0]).toMatch(/one host|must name a user/);
    expect(issues({ connectionString: "postgresql://h/db" })).toEqual(["connectionString: Connection String must name a user"]);
    expect(issues({ table: 'traces"; DROP TABLE x; --' })?.[0]).toMatch(/^table: Table must be a name or schema\.name/);
    expect(issues({ table: "a.b.c" })?.[0]).toMatch(/^table: Table must be a name or schema\.name/);
    expect(issues({ tlsMode: "prefer" })?.[0]).toMatch(/^tlsMode: TLS must be one of verify-full, require, disable/);
  });
});

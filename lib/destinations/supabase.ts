// Supabase: the rows of pg-rows.ts inserted into a table of the project's database through its Data
// API (PostgREST): `POST {project URL}/rest/v1/{table}` with a JSON array of rows, one request per
// batch (https://supabase.com/docs/guides/api, https://docs.postgrest.org/en/stable/references/api/tables_views.html).
//
// The request is the one @supabase/supabase-js sends for
// `supabase.schema(schema).from(table).upsert(rows, { ignoreDuplicates: true })` (tests/destinations/supabase.test.ts
// records the SDK and compares): `?columns=` naming every column, `Content-Profile: <schema>`,
// `Prefer: resolution=ignore-duplicates` (ON CONFLICT DO NOTHING on the primary key, so a batch sent
// again after a lost answer inserts nothing twice) plus `return=minimal` (no rows echoed back).
//
// Keys (https://supabase.com/docs/guides/api/api-keys): a secret key (`sb_secret_…`) or the legacy
// `service_role` JWT, both in `apikey` and `Authorization: Bearer`, as the SDK sends them. Either
// bypasses Row Level Security, so the setup SQL enables RLS with no policy: the table stays closed
// to the publishable/anon keys while Tracecast writes to it. Supabase refuses secret keys from
// browsers by their User-Agent; ours names Tracecast. Publishable (`sb_publishable_…`) and anon
// keys are refused by the form: RLS would refuse their inserts.
//
// A PostgREST insert is all or nothing: a request fails as a whole, retried on 5xx/429, refused on
// other 4xx with PostgREST's own explanation (`{"code":"PGRST205","message":"Could not find the table…"}`),
// except when PostgreSQL refused a value (SQLSTATE class 22 or 23): then each trace is sent alone and
// only the refused ones fail.
import { z } from "zod";
import { jsonBytes, packBatches } from "./batching";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { PG_COLUMNS, pgRowObject, pgSetupSql, quotedTable } from "./pg-rows";
import { SQL_IDENTIFIER, SQL_IDENTIFIER_MESSAGE, traceRows } from "./rows";
import type { OutboundRequest, OutboundTrace, TraceFailures } from "./types";

const MAX_BATCH = 200;
/** Bytes of rows per request: well under the API gateway's request size limit. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

type SupabaseConfig = { projectUrl: string; apiKey: string; schema: string; table: string; headers: Record<string, string> };

const COLUMNS_PARAM = encodeURIComponent(PG_COLUMNS.map((c) => `"${c.name}"`).join(","));

type Group = { traces: OutboundTrace[]; rows: Record<string, unknown>[] };

/** The batch in request-sized groups (MAX_BATCH traces, MAX_REQUEST_BYTES of rows), each with its rows. */
function groupsOf(traces: OutboundTrace[]): Group[] {
  const perTrace = traces.map((trace) => ({ trace, rows: traceRows(trace).map(pgRowObject) }));
  const packed = packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: MAX_REQUEST_BYTES }, (p) => jsonBytes(p.rows), { overheadBytes: 2, separatorBytes: 1 });
  return packed.batches.map((group) => ({ traces: group.map((p) => p.trace), rows: group.flatMap((p) => p.rows) }));
}

function requestFor(group: Group, config: SupabaseConfig): OutboundRequest {
  return {
    method: "POST",
    url: `${config.projectUrl.replace(/\/+$/, "")}/rest/v1/${config.table}?columns=${COLUMNS_PARAM}`,
    headers: {
      ...config.headers,
      apikey: config.apiKey,
      authorization: `Bearer ${config.apiKey}`,
      "content-type": "application/json",
      "content-profile": config.schema,
      prefer: "return=minimal,resolution=ignore-duplicates",
      "user-agent": "Tracecast/1.0",
    },
    body: JSON.stringify(group.rows),
    traceCount: group.traces.length,
  };
}

/** Pure: the PostgREST inserts for a batch, split by MAX_BATCH traces and MAX_REQUEST_BYTES. */
export function supabaseRequests(traces: OutboundTrace[], config: SupabaseConfig): OutboundRequest[] {
  return groupsOf(traces).map((group) => requestFor(group, config));
}

export function supabaseSetupSql(config: Pick<SupabaseConfig, "schema" | "table">): string {
  const table = `${config.schema}.${config.table}`;
  return pgSetupSql(table, [
    "",
    "-- The secret (service_role) key bypasses Row Level Security. Enabling RLS with no policy keeps the",
    "-- table closed to the publishable and anon keys, and to signed-in users.",
    `ALTER TABLE ${quotedTable(table)} ENABLE ROW LEVEL SECURITY;`,
  ]);
}

const PostgrestError = z.object({ code: z.string().nullish(), message: z.string(), hint: z.string().nullish() });

/** PostgREST's answer to a refused insert (`{"code":"PGRST204","message":"Could not find the 'x' column…","hint":…}`). */
function postgrestError(body: string | undefined): z.infer<typeof PostgrestError> | undefined {
  if (!body) return undefined;
  try {
    return PostgrestError.safeParse(JSON.parse(body)).data;
  } catch {
    return undefined;
  }
}

/** What the user should do about a refused insert, by PostgREST or PostgreSQL error code, or HTTP status. */
function advice(status: number | undefined, code: string | null | undefined): string | undefined {
  if (code === "PGRST205" || code === "42P01") return "the table does not exist: create it with the setup SQL";
  if (code === "PGRST204" || code === "42703") return "the table is missing columns: recreate it with the setup SQL";
  if (status === 401 || status === 403) return "check the secret key (a secret or service_role key of this project)";
  return undefined;
}

/**
 * A value PostgreSQL refused (PostgREST passes its SQLSTATE on: a data exception, class 22, or a
 * constraint, class 23): the trace it belongs to fails, not the table or the key.
 */
const isValueError = (err: DeliveryError) => err.status === 400 && /^2[23]/.test(postgrestError(err.responseBody)?.code ?? "");

function supabaseError(err: unknown, config: SupabaseConfig): unknown {
  if (!(err instanceof DeliveryError) || err.kind !== "http") return err;
  const answer = postgrestError(err.responseBody);
  const hint = advice(err.status, answer?.code);
  const explanation = answer ? `${answer.message}${answer.hint ? ` (${answer.hint})` : ""}${answer.code ? ` [${answer.code}]` : ""}` : undefined;
  const kind = isValueError(err) ? "encode" : hint && !err.retryable ? "config" : err.kind;
  return new DeliveryError(kind, `Supabase refused the insert into ${config.schema}.${config.table} (${err.status})${hint ? `: ${hint}` : ""}${explanation ? `. ${explanation}` : ""}`, {
    retryable: err.retryable,
    status: err.status,
    retryAfterMs: err.retryAfterMs,
    responseBody: err.responseBody,
    cause: err,
  });
}

const identifier = (label: string) => field.text(label, { pattern: SQL_IDENTIFIER, patternMessage: `${label} ${SQL_IDENTIFIER_MESSAGE}`, max: 63 });

export default defineDestination({
  type: "supabase",
  name: "Supabase",
  category: "Data warehouse & storage",
  description: "One row per observation in a table of your Supabase database, through its Data API.",
  docsUrl: "https://supabase.com/docs/guides/api",
  config: z.object({
    projectUrl: field.url("Project URL", {
      help: "Project Settings › Data API: https://<project-ref>.supabase.co (or your self-hosted API URL).",
      placeholder: "https://abcdefghijklmnop.supabase.co",
    }),
    apiKey: field.secret("Secret Key", {
      help: "Project Settings › API Keys: a secret key (sb_secret_…) or the legacy service_role key. It bypasses Row Level Security.",
      placeholder: "sb_secret_…",
      rules: [
        { pattern: /^sb_publishable_/, forbid: true, message: "This is a publishable key: use a secret key (sb_secret_…), which may insert past Row Level Security" },
        { pattern: /^(sb_secret_[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/, message: "Secret Key must be a secret key (sb_secret_…) or the legacy service_role JWT (eyJ…)" },
      ],
    }),
    schema: identifier("Schema").default("public"),
    table: identifier("Table").default("tracecast_traces"),
    headers: field.headers(),
  }),
  maxBatch: MAX_BATCH,
  maxBatchBytes: MAX_REQUEST_BYTES,
  setupSql: supabaseSetupSql,
  encode: (traces, config) => supabaseRequests(traces, config),
  // One request per group. When PostgreSQL refuses a value, the group's traces are sent one by one,
  // so only the refused ones fail (permanently) and the rest is delivered, as PostgreSQL's own destination does.
  async deliver(traces, config, ctx): Promise<TraceFailures> {
    const failures: TraceFailures = new Map();
    for (const group of groupsOf(traces)) {
      try {
        await ctx.send(requestFor(group, config));
        continue;
      } catch (err) {
        if (!(err instanceof DeliveryError && isValueError(err) && group.traces.length > 1)) throw supabaseError(err, config);
      }
      for (const trace of group.traces) {
        try {
          await ctx.send(requestFor({ traces: [trace], rows: traceRows(trace).map(pgRowObject) }, config));
        } catch (err) {
          if (!(err instanceof DeliveryError && isValueError(err))) throw supabaseError(err, config);
          failures.set(trace.delivery_id, supabaseError(err, config) as DeliveryError);
        }
      }
    }
    if (failures.size === traces.length) throw [...failures.values()][0];
    return failures;
  },
});


// Supabase: the rows of pg-rows.ts inserted into a table of the project's database through its Data
// API (PostgREST): `POST {project URL}/rest/v1/{table}` with a JSON array of rows, one request per
// batch (https://supabase.com/docs/guides/api, https://docs.postgrest.org/en/stable/references/api/tables_views.html).
//
// The request is the one @supabase/supabase-js sends for
// `supabase.schema(schema).from(table).upsert(rows, { ignoreDuplicates: true })` (tests/native/supabase.test.ts
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
// A PostgREST insert is all or nothing: the batch fails as a whole, retried on 5xx/429, refused on
// other 4xx with PostgREST's own explanation (`{"code":"PGRST205","message":"Could not find the table…"}`).
import { z } from "zod";
import { jsonBytes, packBatches } from "./batching";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { PG_COLUMNS, pgRowObject, pgSetupSql, quotedTable } from "./pg-rows";
import { SQL_IDENTIFIER, SQL_IDENTIFIER_MESSAGE, traceRows } from "./rows";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 200;
/** Bytes of rows per request: well under the API gateway's request size limit. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

type SupabaseConfig = { projectUrl: string; apiKey: string; schema: string; table: string; headers: Record<string, string> };

const COLUMNS_PARAM = encodeURIComponent(PG_COLUMNS.map((c) => `"${c.name}"`).join(","));

/** Pure: the PostgREST inserts for a batch, split by MAX_BATCH traces and MAX_REQUEST_BYTES. */
export function supabaseRequests(traces: OutboundTrace[], config: SupabaseConfig): OutboundRequest[] {
  const perTrace = traces.map((t) => traceRows(t).map(pgRowObject));
  const base = config.projectUrl.replace(/\/+$/, "");
  return packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: MAX_REQUEST_BYTES }, jsonBytes, { overheadBytes: 2, separatorBytes: 1 }).batches.map((group) => ({
    method: "POST",
    url: `${base}/rest/v1/${config.table}?columns=${COLUMNS_PARAM}`,
    headers: {
      ...config.headers,
      apikey: config.apiKey,
      authorization: `Bearer ${config.apiKey}`,
      "content-type": "application/json",
      "content-profile": config.schema,
      prefer: "return=minimal,resolution=ignore-duplicates",
      "user-agent": "Tracecast/1.0",
    },
    body: JSON.stringify(group.flat()),
    traceCount: group.length,
  }));
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

/** PostgREST's own explanation of a refused insert (`{"code":"PGRST204","message":"Could not find the 'x' column…","hint":…}`). */
function postgrestMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = z.object({ code: z.string().optional(), message: z.string(), hint: z.string().nullish() }).safeParse(JSON.parse(body));
    if (!parsed.success) return undefined;
    const { code, message, hint } = parsed.data;
    return `${message}${hint ? ` (${hint})` : ""}${code ? ` [${code}]` : ""}`;
  } catch {
    return undefined;
  }
}

/** What the user should do about a refused insert, by PostgREST error code or HTTP status. */
function advice(status: number | undefined, body: string | undefined): string | undefined {
  if (body?.includes("PGRST205") || body?.includes('"42P01"')) return "the table does not exist: create it with the setup SQL";
  if (body?.includes("PGRST204") || body?.includes('"42703"')) return "the table is missing columns: recreate it with the setup SQL";
  if (status === 401 || status === 403) return "check the secret key (a secret or service_role key of this project)";
  return undefined;
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
  async deliver(traces, config, ctx) {
    for (const request of supabaseRequests(traces, config)) {
      try {
        await ctx.send(request);
      } catch (err) {
        if (!(err instanceof DeliveryError) || err.kind !== "http") throw err;
        const explanation = postgrestMessage(err.responseBody);
        const hint = advice(err.status, err.responseBody);
        const target = `${config.schema}.${config.table}`;
        throw new DeliveryError(
          hint && !err.retryable ? "config" : err.kind,
          `Supabase refused the insert into ${target} (${err.status})${hint ? `: ${hint}` : ""}${explanation ? `. ${explanation}` : ""}`,
          { retryable: err.retryable, status: err.status, retryAfterMs: err.retryAfterMs, responseBody: err.responseBody, cause: err },
        );
      }
    }
  },
});


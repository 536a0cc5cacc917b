// Snowflake through the SQL API v2: `POST https://<account>.snowflakecomputing.com/api/v2/statements`
// (https://docs.snowflake.com/en/developer-guide/sql-api/reference), one multi-row insert per batch:
//   INSERT INTO t (…) SELECT $1, …, TO_TIMESTAMP_TZ($7, '<format>'), …, PARSE_JSON($28), …
//   FROM VALUES (?, ?, …), (?, ?, …)
// with one typed binding per value (bind variables keep trace content out of the SQL text). The
// SELECT … FROM VALUES form is the one Snowflake documents for inserting VARIANT values
// (https://docs.snowflake.com/en/sql-reference/functions/parse_json): PARSE_JSON is refused inside
// an INSERT … VALUES list, which also rules out the SQL API's array bindings for this table. A NULL is a
// binding of the column's type whose value is JSON null. Timestamps are bound as ISO 8601 text with
// an explicit offset and parsed with an explicit format, so the session's TIMESTAMP_INPUT_FORMAT
// cannot change how they are read.
// Size: Snowflake asks that a statement, bound values included, stay within 1 MB: beyond that a
// statement still runs but cannot be re-run or retried, which the requestId retry below relies on
// (https://docs.snowflake.com/en/user-guide/query-size-limits). Batches are packed to that limit; a
// single trace larger than it goes alone. VALUES takes up to 16,384 rows, far above a batch's.
// Rows are those of rows.ts; `setupSql` is the CREATE TABLE the user runs once.
//
// Auth (authMethod):
//   pat      programmatic access token: `Authorization: Bearer <token>`,
//            `X-Snowflake-Authorization-Token-Type: PROGRAMMATIC_ACCESS_TOKEN` (OpenRouter's only option)
//   keypair  key-pair JWT signed with the user's private key (unencrypted PKCS#8 PEM), claims
//            iss = <ACCOUNT>.<USER>.SHA256:<public key fingerprint>, sub = <ACCOUNT>.<USER>, exp ≤ 1 h
//            (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating)
// The JWT needs the current time, so delivery goes through `deliver`; the request bodies themselves
// come from the pure `snowflakeRequests`.
//
// Every request carries a deterministic `requestId` (hash of the batch's delivery ids) with
// `retry=true`, so a statement resubmitted after a lost answer is not executed twice.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { jsonBytes, packBatches, refuseOversized } from "./batching";
import { defineDestination, field, requireApplicable } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { deterministicUuid } from "./ids";
import { ROW_COLUMNS, SQL_IDENTIFIER, SQL_IDENTIFIER_MESSAGE, traceRows, type ColumnKind, type TraceRow } from "./rows";
import type { OutboundRequest, OutboundTrace } from "./types";

const MAX_BATCH = 100;
/** Snowflake's recommended most bytes per statement, bound values included (see above). */
export const SNOWFLAKE_STATEMENT_BYTES = 1024 * 1024;
/** A single trace over the statement limit is still sent (alone) up to this size. */
const MAX_TRACE_BYTES = 8 * 1024 * 1024;
/** How TO_TIMESTAMP_TZ reads the bound timestamps (`2026-11-26T12:00:00.000+00:00`). */
const TIMESTAMP_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM'`;
/** Seconds Snowflake may spend executing the insert before cancelling it. */
const STATEMENT_TIMEOUT_S = 60;
const JWT_LIFETIME_S = 59 * 60;
export const SNOWFLAKE_ACCOUNT = /^[a-zA-Z0-9_]+(?:[.-][a-zA-Z0-9_]+)*$/;

type Binding = { type: "TEXT" | "FIXED" | "REAL" | "BOOLEAN"; value: string | null };

const SQL_TYPES: Record<ColumnKind, string> = {
  text: "VARCHAR",
  int: "NUMBER(38,0)",
  float: "FLOAT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP_TZ(3)",
  json: "VARIANT",
  tags: "ARRAY",
};

/** The SELECT expression that turns VALUES column `$n` into the table column's type. */
const SELECT_EXPRESSION: Record<ColumnKind, (column: string) => string> = {
  text: (c) => c,
  int: (c) => c,
  float: (c) => c,
  bool: (c) => c,
  timestamp: (c) => `TO_TIMESTAMP_TZ(${c}, ${TIMESTAMP_FORMAT})`,
  json: (c) => `PARSE_JSON(${c})`,
  tags: (c) => `TO_ARRAY(PARSE_JSON(${c}))`,
};

const BINDING_TYPE: Record<ColumnKind, Binding["type"]> = {
  text: "TEXT",
  int: "FIXED",
  float: "REAL",
  bool: "BOOLEAN",
  timestamp: "TEXT",
  json: "TEXT",
  tags: "TEXT",
};

/** ISO 8601 with a numeric offset (`…Z` → `…+00:00`), the form TIMESTAMP_FORMAT reads. */
const timestampText = (iso: string) => new Date(iso).toISOString().replace(/Z$/, "+00:00");

function bindingText(kind: ColumnKind, value: TraceRow[keyof TraceRow]): string | null {
  if (value === null) return null;
  if (kind === "json" || kind === "tags") return JSON.stringify(value);
  if (kind === "timestamp") return timestampText(String(value));
  return String(value);
}

function bindingsOf(row: TraceRow): Binding[] {
  return ROW_COLUMNS.map(({ name, kind }) => ({ type: BINDING_TYPE[kind], value: bindingText(kind, row[name]) }));
}

type SnowflakeConfig = {
  account: string;
  database: string;
  schema: string;
  table: string;
  warehouse: string;
  role?: string;
  headers: Record<string, string>;
};

const qualifiedTable = (c: Pick<SnowflakeConfig, "database" | "schema" | "table">) => `${c.database}.${c.schema}.${c.table}`;

/** Account identifier → API host (underscores are not valid in host names; Snowflake uses hyphens there). */
export const snowflakeHost = (account: string) => `https://${account.toLowerCase().replace(/_/g, "-")}.snowflakecomputing.com`;

const ROW_TUPLE = `(${ROW_COLUMNS.map(() => "?").join(", ")})`;

/** Pure: the SubmitStatement requests for a batch, without the Authorization headers. */
export function snowflakeRequests(traces: OutboundTrace[], config: SnowflakeConfig): OutboundRequest[] {
  const head = `INSERT INTO ${qualifiedTable(config)} (${ROW_COLUMNS.map((c) => c.name).join(", ")})\nSELECT ${ROW_COLUMNS.map((c, i) => SELECT_EXPRESSION[c.kind](`$${i + 1}`)).join(", ")}\nFROM VALUES\n`;
  const perTrace = traces.map((t) => ({ trace: t, rows: traceRows(t).map(bindingsOf) }));
  // Statement text per row plus the bindings' JSON (`"n":{"type":…,"value":…}`, counted generously).
  const bytesOf = (p: (typeof perTrace)[number]) => p.rows.length * (ROW_TUPLE.length + 2) + jsonBytes(p.rows) + p.rows.length * ROW_COLUMNS.length * 8;
  const overhead = Buffer.byteLength(head) + 1024;
  const packed = packBatches(perTrace, { maxItems: MAX_BATCH, maxBytes: SNOWFLAKE_STATEMENT_BYTES }, bytesOf, { overheadBytes: overhead, separatorBytes: 1 });
  // The statement limit is advisory: a trace over it goes alone, refused only past MAX_TRACE_BYTES.
  const groups = refuseOversized({ ...packed, oversized: packed.oversized.filter((o) => o.bytes > MAX_TRACE_BYTES), maxBytes: MAX_TRACE_BYTES });
  return groups.map((group) => {
    const rows = group.flatMap((p) => p.rows);
    const statement = `${head}${rows.map(() => ROW_TUPLE).join(",\n")}`;
    const bindings = Object.fromEntries(rows.flat().map((b, i) => [String(i + 1), b]));
    const requestId = deterministicUuid(`snowflake:${group.map((p) => p.trace.delivery_id).join("\n")}`);
    return {
      method: "POST",
      url: `${snowflakeHost(config.account)}/api/v2/statements?requestId=${requestId}&retry=true`,
      headers: { ...config.headers, "content-type": "application/json", accept: "application/json", "user-agent": "Tracecast/1.0" },
      body: JSON.stringify({
        statement,
        timeout: STATEMENT_TIMEOUT_S,
        database: config.database,
        schema: config.schema,
        warehouse: config.warehouse,
        ...(config.role ? { role: config.role } : {}),
        bindings,
        parameters: { query_tag: "tracecast" },
      }),
      traceCount: group.length,
    };
  });
}

export function snowflakeSetupSql(config: Pick<SnowflakeConfig, "database" | "schema" | "table">): string {
  const columns = ROW_COLUMNS.map(({ name, kind, nullable }) => {
    const type = name === "TRACE_ID" || name === "SPAN_ID" || name === "PARENT_SPAN_ID" ? "VARCHAR(256)" : name === "DURATION_MS" ? "NUMBER(18,3)" : SQL_TYPES[kind];
    return `    ${name} ${type}${nullable ? "" : " NOT NULL"}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${qualifiedTable(config)} (\n${columns.join(",\n")},\n    PRIMARY KEY (TRACE_ID, SPAN_ID)\n);`;
}

/** The account part of JWT claims: upper case, without region/cloud suffixes (Snowflake's key-pair rules). */
export function jwtAccount(account: string): string {
  return account.split(".")[0].toUpperCase();
}

export function publicKeyFingerprint(privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

export async function keyPairJwt(config: { account: string; user: string; privateKey: string }, now: Date): Promise<string> {
  const key = createPrivateKey(config.privateKey);
  const qualifiedUser = `${jwtAccount(config.account)}.${config.user.toUpperCase()}`;
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(`${qualifiedUser}.${publicKeyFingerprint(key)}`)
    .setSubject(qualifiedUser)
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_LIFETIME_S)
    .sign(key);
}

const identifier = (label: string) => field.text(label, { pattern: SQL_IDENTIFIER, patternMessage: `${label} ${SQL_IDENTIFIER_MESSAGE}`, max: 255 });

function readablePrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/** Snowflake's own explanation from a failed statement (`{"message": "SQL compilation error: …"}`). */
function snowflakeMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message.replace(/\s+/g, " ").trim() : undefined;
  } catch {
    return undefined;
  }
}

/** A PEM private key, unencrypted: PKCS#8 (Snowflake's documented form) or PKCS#1 (node reads both). */
const PRIVATE_KEY_PEM = /^-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----$/;
const KEYPAIR = { key: "authMethod", values: ["keypair"] };

const snowflakeShape = {
  account: field.text("Account", {
    help: "Your account identifier, the part before .snowflakecomputing.com (e.g. eac52885.us-east-1 or myorg-myaccount).",
    pattern: SNOWFLAKE_ACCOUNT,
    patternMessage: "Account must look like eac52885.us-east-1 or myorg-myaccount",
    max: 255,
    target: true,
  }),
  authMethod: field
    .select("Authentication", ["pat", "keypair"], { labels: { pat: "Programmatic access token", keypair: "Key pair (JWT)" } })
    .default("pat"),
  token: field.secret("Token", { help: "A programmatic access token of the user.", when: { key: "authMethod", values: ["pat"] } }).optional(),
  user: field.text("User", { help: "The Snowflake user the key pair belongs to.", when: KEYPAIR }).optional(),
  privateKey: field
    .secret("Private Key", {
      help: "The user's RSA private key, unencrypted PEM (rsa_key.p8), pasted with its line breaks.",
      placeholder: "-----BEGIN PRIVATE KEY-----",
      when: KEYPAIR,
      multiline: true,
      rules: [
        { pattern: /ENCRYPTED PRIVATE KEY/, forbid: true, message: "This key is encrypted: export it without a passphrase (openssl pkcs8 -topk8 -nocrypt)" },
        { pattern: PRIVATE_KEY_PEM, message: "Private Key must be a PEM private key: -----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----" },
      ],
    })
    .refine((pem) => !PRIVATE_KEY_PEM.test(pem) || readablePrivateKey(pem), "Private Key must be an unencrypted RSA private key in PEM format")
    .optional(),
  database: identifier("Database").default("SNOWFLAKE_LEARNING_DB"),
  schema: identifier("Schema").default("PUBLIC"),
  table: identifier("Table").default("OPENROUTER_TRACES"),
  warehouse: identifier("Warehouse").default("COMPUTE_WH"),
  role: identifier("Role").optional(),
  headers: field.headers(),
};

export default defineDestination({
  type: "snowflake",
  name: "Snowflake",
  category: "Data warehouse & storage",
  description: "One row per observation in a Snowflake table, through the SQL API.",
  docsUrl: "https://docs.snowflake.com/en/developer-guide/sql-api/index",
  config: z.object(snowflakeShape).superRefine(requireApplicable(snowflakeShape)),
  maxBatch: MAX_BATCH,
  maxBatchBytes: SNOWFLAKE_STATEMENT_BYTES,
  setupSql: snowflakeSetupSql,
  async deliver(traces, config, ctx) {
    const auth =
      config.authMethod === "keypair"
        ? { authorization: `Bearer ${await keyPairJwt({ account: config.account, user: config.user!, privateKey: config.privateKey! }, ctx.now())}`, "x-snowflake-authorization-token-type": "KEYPAIR_JWT" }
        : { authorization: `Bearer ${config.token}`, "x-snowflake-authorization-token-type": "PROGRAMMATIC_ACCESS_TOKEN" };
    for (const request of snowflakeRequests(traces, config)) {
      try {
        await ctx.send({ ...request, headers: { ...request.headers, ...auth } });
      } catch (err) {
        const explanation = err instanceof DeliveryError ? snowflakeMessage(err.responseBody) : undefined;
        if (!(err instanceof DeliveryError) || !explanation) throw err;
        throw new DeliveryError(err.kind, `Snowflake refused the insert into ${qualifiedTable(config)} (${err.status}): ${explanation}`, {
          retryable: err.retryable,
          status: err.status,
          retryAfterMs: err.retryAfterMs,
          responseBody: err.responseBody,
          cause: err,
        });
      }
    }
  },
});

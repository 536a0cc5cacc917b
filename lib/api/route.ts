// The one way to write an API route handler: it parses params/query/body with zod, authenticates
// and authorizes before the handler runs, and answers every error (lib/errors.ts) in the one JSON
// error shape (lib/api/reply.ts). A route cannot be declared without saying who may call it.
//
//   export const GET = defineRoute(
//     { auth: { kind: "workspace", permission: "broadcast:read" }, params: z.object({ workspaceId: z.string(), id: z.string() }) },
//     async ({ ctx, params }) => NextResponse.json({ destination: await getDestination(ctx, params.id) }),
//   );
import { z } from "zod";
import { ApiError, databaseUnavailable, forbidden, unauthorized, validationError } from "@/lib/errors";
import { jsonTextNestsDeeperThan, MAX_JSON_DEPTH, pathNestedDeeperThan, TOO_DEEP_MESSAGE } from "@/lib/api/json-depth";
import { errorReply, JsonReply, openRouterErrorReply } from "@/lib/api/reply";
import { assertSameOrigin } from "@/lib/api/same-origin";
import type { Permission } from "@/lib/auth/permissions";
import { can } from "@/lib/auth/permissions";
import { getSessionUser } from "@/lib/auth/session";
import type { SessionUser } from "@/lib/auth/session-user";
import { findMembership, type WorkspaceContext } from "@/lib/auth/workspace";
import { verifyApiKey } from "@/lib/api-keys";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { recordFailedApiKey, refuseBlockedAddress } from "@/lib/api-keys/failed-attempts";
import { clientAddressOf } from "@/lib/api/client-address";
import { verifyManagementKey, type ManagementKeyContext } from "@/lib/api-keys/management";
import { isDatabaseUnavailable } from "@/lib/db-client";
import { processSingleton } from "@/lib/process/singleton";

type Auth =
  /** A signed-in user acting in the workspace named by the `workspaceId` route param. */
  | { kind: "workspace"; permission: Permission }
  /** A signed-in user, no workspace (creating an organization, accepting an invite). */
  | { kind: "user" }
  /**
   * A workspace API key in `Authorization: Bearer …` (ingestion, proxy); with `xApiKeyHeader`, an
   * `x-api-key` header is taken too (what OTLP exporters are often configured with).
   */
  | { kind: "apiKey"; xApiKeyHeader?: boolean }
  /**
   * A management key in `Authorization: Bearer …` (the OpenRouter-compatible management API): acts
   * as the key's creator with their current role. Errors come out in OpenRouter's shape.
   */
  | { kind: "managementKey" }
  /** Anyone, signed in or not (sign-up). Say so explicitly: there is no default. */
  | { kind: "public" };

type CtxFor<A extends Auth> = A extends { kind: "workspace" }
  ? WorkspaceContext
  : A extends { kind: "user" }
    ? { user: SessionUser }
    : A extends { kind: "apiKey" }
      ? ApiKeyContext
      : A extends { kind: "managementKey" }
        ? ManagementKeyContext
        : Record<string, never>;

type Schemas = {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
};

type Out<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteOptions<A extends Auth, S extends Schemas> = S & {
  auth: A;
  /** Largest accepted request body in bytes (413 above it). Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Runs after authentication and before the body is read (throw an ApiError to refuse):
   * checks that must not pay for parsing a large body, such as rate limiting.
   */
  beforeBody?: (args: { req: RouteRequest; ctx: CtxFor<A> }) => void | Promise<void>;
};

/**
 * What route code may use of the request: a subset of the standard Request. The app router passes
 * its NextRequest; the direct routes (lib/api/direct-routes.ts) pass a lighter object that reads
 * the body itself when asked (`readBody`, in one buffer, with its deadline) and builds an
 * AbortSignal only when asked for one: a web Request with its body stream and signal cost more CPU
 * than validating a trace.
 */
export type RouteRequest = {
  readonly method: string;
  readonly url: string;
  readonly headers: Pick<Headers, "get">;
  readonly signal: AbortSignal;
  readonly body: ReadableStream<Uint8Array> | null;
  /** The peer address of the connection, when the server knows it (the direct routes; Next.js does not say). */
  readonly clientAddress?: string;
  /** Reads the whole body, refusing more than `maxBytes` (413), when the server reads it itself (then `body` is null). */
  readBody?(maxBytes: number): Promise<Uint8Array>;
};

export type Handler<A extends Auth, S extends Schemas> = (args: {
  req: RouteRequest;
  ctx: CtxFor<A>;
  params: Out<S["params"]>;
  query: Out<S["query"]>;
  body: Out<S["body"]>;
}) => Promise<Response | JsonReply>;

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * Reads the body with a hard byte cap (never trusts Content-Length alone), and refuses JSON nested
 * deeper than MAX_JSON_DEPTH before anything walks it recursively (lib/api/json-depth.ts).
 */
export async function readJsonBody(req: RouteRequest, maxBytes: number): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  const bytes = await readBodyBytes(req, maxBytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (!text.trim()) throw new ApiError(400, "invalid_request", "Request body is required");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "invalid_json", `Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (jsonTextNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const path = pathNestedDeeperThan(value, MAX_JSON_DEPTH) ?? "(root)";
    throw new ApiError(400, "invalid_request", `Invalid body: ${path}: ${TOO_DEEP_MESSAGE}`, [{ path, message: TOO_DEEP_MESSAGE }]);
  }
  const unstorable = MAY_HOLD_UNSTORABLE.test(text) ? findUnstorableText(value) : undefined;
  if (unstorable !== undefined) {
    const message = "must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates";
    throw new ApiError(400, "invalid_request", `Invalid body: ${unstorable}: ${message}`, [{ path: unstorable, message }]);
  }
  return value;
}

/** The whole body, never more than `maxBytes` (413: Content-Length is checked first, never trusted alone). */
export async function readBodyBytes(req: RouteRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = req.readBody ? await req.readBody(maxBytes) : await readStreamedBody(req.body, maxBytes);
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

async function readStreamedBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  const reader = body?.getReader();
  if (!reader) throw new ApiError(400, "invalid_request", "Request body is required");
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// NUL and unpaired surrogates are valid in JSON text but cannot be stored: PostgreSQL rejects
// U+0000 in text and jsonb, and a lone surrogate has no UTF-8 encoding. Refused here, for every
// route at once, as a 400 naming the field instead of a database error (tests/reliability/fuzz.test.ts).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Parsed JSON can hold NUL or a surrogate only through a \u escape: literal control characters are
 * not valid JSON, and decoded UTF-8 yields surrogates only in pairs (invalid bytes become U+FFFD).
 * Text without such an escape skips the walk below, which costs more than parsing the body.
 */
const MAY_HOLD_UNSTORABLE = /\\u(0000|d[89a-f])/i;

/** The path ("a.0.b", "(root)") of the first key or string holding unstorable text; iterative, so deep nesting cannot overflow the stack. */
function findUnstorableText(root: unknown): string | undefined {
  const stack: [unknown, string[]][] = [[root, []]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === "string") {
      if (UNSTORABLE.test(value)) return path.join(".") || "(root)";
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return [...path, key].join(".");
        stack.push([child, [...path, key]]);
      }
    }
  }
  return undefined;
}

export function tooLarge(maxBytes: number) {
  return new ApiError(413, "payload_too_large", `Request body exceeds the limit of ${maxBytes} bytes`);
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: "body" | "query" | "params"): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

async function authenticate(auth: Auth, req: RouteRequest, params: Record<string, string>): Promise<unknown> {
  if (auth.kind === "public") return {};
  if (auth.kind === "apiKey" || auth.kind === "managementKey") {
    // Failed keys of either kind count against the client address: both are guessed the same way.
    const client = clientAddressOf(req);
    refuseBlockedAddress(client);
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
    if (auth.kind === "managementKey") {
      if (!m) throw unauthorized("Missing management key: send Authorization: Bearer <key>");
      try {
        return await verifyManagementKey(m[1]);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) recordFailedApiKey(client);
        throw err;
      }
    }
    const secret = m?.[1] ?? (auth.xApiKeyHeader ? req.headers.get("x-api-key")?.trim() || undefined : undefined);
    if (!secret) throw unauthorized(`Missing API key: send Authorization: Bearer <key>${auth.xApiKeyHeader ? " or x-api-key: <key>" : ""}`);
    const key = await verifyApiKey(secret);
    if (!key) {
      recordFailedApiKey(client);
      throw unauthorized("Invalid or revoked API key");
    }
    return key;
  }
  const user = await getSessionUser();
  if (!user) throw unauthorized();
  if (auth.kind === "user") return { user };
  const workspaceId = params.workspaceId;
  if (!workspaceId) throw new Error("workspace routes need a [workspaceId] segment");
  const ctx = await findMembership(user, workspaceId);
  // Not a member and "does not exist" look the same, so ids of other tenants leak nothing.
  if (!ctx) throw new ApiError(404, "not_found", "Workspace not found");
  if (!can(ctx.membership.role, auth.permission)) throw forbidden(`Your role (${ctx.membership.role}) does not allow ${auth.permission}`);
  return ctx;
}

/** The gist of an error: Prisma puts the driver's message on the last line, after the call site. */
function lastLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.trim().split("\n").at(-1) ?? text;
}

/**
 * What defineRoute built each handler from: its auth (so a test can prove every route declares one)
 * and the function that answers without building a Response (lib/api/direct-routes.ts). One table
 * per process: the front server's copy of a route module and the app router's are bundled apart.
 */
const definitions = () => processSingleton("routeDefinitions", () => new WeakMap<object, { auth: Auth; answer: RouteAnswer }>());

type Segment = { params: Promise<Record<string, string>> };
/** A route's answer before a JsonReply is built into a Response (what the direct routes serve). */
export type RouteAnswer = (req: RouteRequest, segment: Segment) => Promise<Response | JsonReply>;

/** The auth of a handler built by defineRoute; undefined for anything else. */
export function routeAuth(handler: unknown): Auth | undefined {
  return typeof handler === "function" ? definitions().get(handler)?.auth : undefined;
}

/** The answer function of a handler built by defineRoute (a JsonReply stays unbuilt); undefined for anything else. */
export function routeAnswer(handler: unknown): RouteAnswer | undefined {
  return typeof handler === "function" ? definitions().get(handler)?.answer : undefined;
}

export function defineRoute<A extends Auth, S extends Schemas>(options: RouteOptions<A, S>, handler: Handler<A, S>) {
  const reply = options.auth.kind === "managementKey" ? openRouterErrorReply : errorReply;
  const answer: RouteAnswer = async (req, segment) => {
    try {
      const rawParams = (await segment?.params) ?? {};
      // The session cookie goes with any request the browser makes, whichever site asked for it.
      if (options.auth.kind !== "apiKey" && options.auth.kind !== "managementKey") assertSameOrigin(req);
      const ctx = await authenticate(options.auth, req, rawParams);
      await options.beforeBody?.({ req, ctx: ctx as CtxFor<A> });
      const params = options.params ? parseWith(options.params, rawParams, "params") : undefined;
      const query = options.query
        ? parseWith(options.query, Object.fromEntries(new URL(req.url).searchParams), "query")
        : undefined;
      const body = options.body
        ? parseWith(options.body, await readJsonBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY), "body")
        : undefined;
      return await handler({ req, ctx: ctx as CtxFor<A>, params, query, body } as Parameters<Handler<A, S>>[0]);
    } catch (err) {
      if (err instanceof ApiError) return reply(err);
      if (isDatabaseUnavailable(err)) {
        // Expected during a database restart or failover, and possibly many times a second:
        // one line, not a stack trace.
        console.warn(`[api] ${req.method} ${new URL(req.url).pathname}: database unavailable: ${lastLine(err)}`);
        return reply(databaseUnavailable());
      }
      console.error(`[api] ${req.method} ${new URL(req.url).pathname} failed`, err);
      return reply(new ApiError(500, "internal_error", "Something went wrong on our side; nothing was changed."));
    }
  };
  const route = async (req: RouteRequest, segment: Segment): Promise<Response> => {
    const answered = await answer(req, segment);
    return answered instanceof JsonReply ? answered.toResponse() : answered;
  };
  definitions().set(route, { auth: options.auth, answer });
  return route;
}

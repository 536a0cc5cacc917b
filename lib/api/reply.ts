import type { ApiError } from "@/lib/errors";

/**
 * A JSON answer not yet built into a Response. The hot routes answer with it: the direct routes
 * (lib/api/direct-routes.ts) write it to the socket as it is, and defineRoute builds the Response
 * for Next.js. For single-trace ingestion a web Response (headers object, body stream) was about a
 * fifth of the request's allocations, and the young-generation collections they cause are where
 * the latency tail comes from (docs/benchmarks.md, "Ingest analysis").
 */
export class JsonReply {
  constructor(
    readonly body: unknown,
    readonly status: number = 200,
    readonly headers: Record<string, string> = {},
  ) {}

  toResponse(): Response {
    return Response.json(this.body, { status: this.status, headers: this.headers });
  }
}

// The one error shape of every API response: 4xx JSON naming the field, never a bare 500.
//   { "error": { "code": "invalid_request", "message": "…", "fields": [{ "path": "traces.0.model", "message": "…" }] } }
export function errorReply(err: ApiError): JsonReply {
  return new JsonReply({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } }, err.status, err.headers);
}

/**
 * OpenRouter's error shape, for the OpenRouter-compatible management API (docs/api.md), so its SDK
 * reads our errors: `code` is the HTTP status; our own code and the fields go in `metadata`.
 *   { "error": { "code": 400, "message": "…", "metadata": { "code": "invalid_request", "fields": [...] } } }
 */
export function openRouterErrorReply(err: ApiError): JsonReply {
  const metadata = { code: err.code, ...(err.fields ? { fields: err.fields } : {}) };
  return new JsonReply({ error: { code: err.status, message: err.message, metadata } }, err.status, err.headers);
}

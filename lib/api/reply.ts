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

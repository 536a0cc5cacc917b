// POST /api/v1/traces: apps send one trace or a batch {"traces":[…]} with their workspace API key.
// 202 {ids} as soon as the traces and their outbox rows are committed; delivery happens later.
// With an Idempotency-Key header, a retry gets the first answer again (lib/ingest/idempotency.ts).
import { ApiError, validationError } from "@/lib/errors";
import { JsonReply } from "@/lib/api/reply";
import { defineRoute } from "@/lib/api/route";
import { acceptTraces } from "@/lib/ingest";
import { acceptTracesOnce, idempotencyKeyOf } from "@/lib/ingest/idempotency";
import { ingestRateLimiter } from "@/lib/ingest/rate-limit";
import { callerFacts, sessionIdHeader } from "@/lib/traces/normalize";
import { ingestBody, LIMITS } from "@/lib/traces/schema";

export const POST = defineRoute(
  {
    auth: { kind: "apiKey" },
    body: ingestBody,
    maxBodyBytes: LIMITS.bodyBytes,
    beforeBody: ({ ctx }) => {
      const retryAfter = ingestRateLimiter().take(ctx.apiKey.id);
      if (retryAfter > 0) {
        throw new ApiError(429, "rate_limited", `Too many requests for this API key; retry after ${retryAfter} s`, undefined, {
          "Retry-After": String(retryAfter),
        });
      }
    },
  },
  async ({ req, ctx, body }) => {
    const header = sessionIdHeader.safeParse(req.headers.get("x-session-id") ?? undefined);
    if (!header.success) throw validationError(header.error, "headers", ["x-session-id"]);
    const opts = { headerSessionId: header.data, caller: callerFacts(req.headers) };
    const key = idempotencyKeyOf(req);
    if (key !== undefined) return acceptTracesOnce(ctx, body, opts, key);
    const { ids } = await acceptTraces(ctx, body, opts);
    return new JsonReply({ ids }, 202);
  },
);

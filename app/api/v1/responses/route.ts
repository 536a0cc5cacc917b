// POST /api/v1/responses: the capture proxy for OpenAI's Responses API (same auth, routing and
// tracing as /api/v1/chat/completions; see lib/proxy/responses.ts and lib/proxy/forward.ts).
import { defineRoute } from "@/lib/api/route";
import { proxyCall } from "@/lib/proxy/forward";
import { responsesEndpoint } from "@/lib/proxy/responses";

export const POST = defineRoute({ auth: { kind: "apiKey" } }, ({ req, ctx }) => proxyCall(responsesEndpoint, ctx, req));

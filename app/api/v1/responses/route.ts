// POST /api/v1/responses: the capture proxy for OpenAI's Responses API (same auth, routing and
// tracing as /api/v1/chat/completions; see lib/capture-proxy/responses.ts and lib/capture-proxy/forward.ts).
import { defineRoute } from "@/lib/api/route";
import { proxyCall } from "@/lib/capture-proxy/forward";
import { responsesEndpoint } from "@/lib/capture-proxy/responses";

export const POST = defineRoute({ auth: { kind: "apiKey" } }, ({ req, ctx }) => proxyCall(responsesEndpoint, ctx, req));

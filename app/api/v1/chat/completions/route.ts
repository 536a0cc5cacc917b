// POST /api/v1/chat/completions: the capture proxy (OpenAI-compatible). Callers point their
// OpenAI client's base URL at Tracecast and authenticate with a workspace API key; see
// lib/capture-proxy/forward.ts for what is forwarded, relayed and traced.
import { defineRoute } from "@/lib/api/route";
import { chatCompletionsEndpoint } from "@/lib/capture-proxy/chat-completions";
import { proxyCall } from "@/lib/capture-proxy/forward";

export const POST = defineRoute({ auth: { kind: "apiKey" } }, ({ req, ctx }) => proxyCall(chatCompletionsEndpoint, ctx, req));

// How to send a first trace to this server with a key: a curl command and the same request with
// fetch (Node 18+, Deno, Bun, browsers' server side). Both post one trace to the ingest API
// (POST /api/v1/traces, README "Sending traces"); tests/components/api-keys/send-trace-snippets.test.ts runs both
// against a real server.

export const INGEST_PATH = "/api/v1/traces";

/** A small, complete trace (model, request and timing are required), timed just before `now`. */
function firstTrace(now: Date) {
  return {
    model: "openai/gpt-4o-mini",
    provider: "openai",
    request: { messages: [{ role: "user", content: "Hello from my app" }] },
    response: { messages: [{ role: "assistant", content: "Hello! Tracecast received this trace." }] },
    usage: { input_tokens: 5, output_tokens: 8 },
    timing: { start: new Date(now.getTime() - 1200).toISOString(), end: now.toISOString() },
    trace: { trace_name: "First trace" },
  };
}

export type SendTraceSnippets = { endpoint: string; curl: string; fetch: string };

export function sendTraceSnippets(origin: string, apiKey: string, now: Date = new Date()): SendTraceSnippets {
  const trace = firstTrace(now);
  const endpoint = `${origin.replace(/\/+$/, "")}${INGEST_PATH}`;
  // In the shell command the body is single-quoted: JSON has no single quote unless a value does.
  const body = JSON.stringify(trace).replaceAll("'", "'\\''");
  const curl = [
    `curl -X POST ${endpoint} \\`,
    `  -H "Authorization: Bearer ${apiKey}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body}'`,
  ].join("\n");
  const fetchSnippet = [
    `const response = await fetch(${JSON.stringify(endpoint)}, {`,
    `  method: "POST",`,
    `  headers: { Authorization: ${JSON.stringify(`Bearer ${apiKey}`)}, "Content-Type": "application/json" },`,
    `  body: JSON.stringify(${JSON.stringify(trace, null, 2).replaceAll("\n", "\n  ")}),`,
    `});`,
    `console.log(response.status, await response.json()); // 202 { ids: ["gen-…"] }`,
  ].join("\n");
  return { endpoint, curl, fetch: fetchSnippet };
}

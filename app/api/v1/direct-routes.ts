// The routes scripts/server.mjs serves without Next.js's request pipeline (lib/api/direct-routes.ts
// says why): ingestion (JSON and OTLP) and the capture proxy, by path, with the app router's own handlers.
// tests/api/direct-routes.test.ts checks each path against its route file.
import { POST as chatCompletions } from "./chat/completions/route";
import { POST as otlpTraces } from "./otlp/v1/traces/route";
import { POST as responses } from "./responses/route";
import { POST as traces } from "./traces/route";

export const DIRECT_POST_ROUTES = {
  "/api/v1/traces": traces,
  "/api/v1/chat/completions": chatCompletions,
  "/api/v1/responses": responses,
  "/api/v1/otlp/v1/traces": otlpTraces,
  "/v1/traces": otlpTraces,
};

// POST /api/v1/otlp/v1/traces (also served at /v1/traces, the path OTLP exporters append to a base
// endpoint): OpenTelemetry spans over OTLP/HTTP, protobuf or JSON, with a workspace API key as
// `Authorization: Bearer` or `x-api-key`. LLM generation spans become traces (docs/otlp.md).
import { defineRoute } from "@/lib/api/route";
import { receiveOtlpTraces } from "@/lib/otlp-ingest/receive";

export const POST = defineRoute({ auth: { kind: "apiKey", xApiKeyHeader: true } }, ({ req, ctx }) => receiveOtlpTraces(req, ctx));

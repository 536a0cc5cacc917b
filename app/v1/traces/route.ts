// POST /v1/traces: the OTLP/HTTP traces path at the root, where an exporter given only this
// server's origin (OTEL_EXPORTER_OTLP_ENDPOINT) sends. The same handler as /api/v1/otlp/v1/traces.
export { POST } from "@/app/api/v1/otlp/v1/traces/route";

// The official OTLP .proto definitions, loaded once and lazily with protobufjs. Shared by the
// protobuf encoder and by the test receiver's decoder, so both sides read the same schema.
import path from "node:path";
import protobuf from "protobufjs";

/** Folder holding `opentelemetry/proto/...` (the import root the .proto files expect). */
export const PROTO_ROOT = path.join(process.cwd(), "lib/destinations/otlp/proto");

let cached: protobuf.Type | undefined;

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`. */
export function exportTraceServiceRequestType(): protobuf.Type {
  if (cached) return cached;
  const root = new protobuf.Root();
  // The protos import each other by their path from the repository root ("opentelemetry/proto/…").
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
  root.resolveAll();
  cached = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
  return cached;
}

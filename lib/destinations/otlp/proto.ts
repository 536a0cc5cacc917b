// The official OTLP .proto definitions, loaded once and lazily with protobufjs. Shared by the
// protobuf encoder and by the test receiver's decoder, so both sides read the same schema.
import path from "node:path";
import protobuf from "protobufjs";
import { inProject } from "@/lib/project-dir";

/** Folder holding `opentelemetry/proto/...` (the import root the .proto files expect). */
export const PROTO_ROOT = inProject("lib/destinations/otlp/proto");

let cachedRoot: protobuf.Root | undefined;

/** The trace service's protos (and everything they import), resolved. */
function traceServiceRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  // The protos import each other by their path from the repository root ("opentelemetry/proto/…").
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`. */
export const exportTraceServiceRequestType = (): protobuf.Type =>
  traceServiceRoot().lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse` (what an OTLP receiver answers). */
export const exportTraceServiceResponseType = (): protobuf.Type =>
  traceServiceRoot().lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

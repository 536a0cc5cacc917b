// The trace of one proxied call, handed to ingestion once the answer is complete. The caller
// never waits for it: recording starts after the last byte was sent, and a recording failure is
// logged, never surfaced to the caller (their LLM call succeeded).
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { acceptTraces, type AcceptOptions } from "@/lib/ingest";
import { traceInput, type TraceInput } from "@/lib/traces/schema";
import type { ProxiedRequest } from "./request";
import type { RecordedResponse, UpstreamError } from "./answer";
import { costOf } from "./prices";

export type CallRecord = {
  request: ProxiedRequest;
  /** The upstream's name (the trace's provider). */
  provider: string;
  /** The model id the upstream received (without the routing prefix). */
  upstreamModel: string;
  start: Date;
  end: Date;
  timeToFirstTokenMs?: number;
  response?: RecordedResponse;
  /** Set when the call failed: upstream status ≥ 400, unreachable upstream, broken or abandoned stream. */
  error?: UpstreamError & { status?: number };
  /** Size of an answer too long to keep whole: `response` holds what its kept start says. */
  responseBytes?: number;
};

export function buildTrace(call: CallRecord): TraceInput {
  const { request, response } = call;
  const usage = response?.usage;
  const cost =
    usage?.input_tokens !== undefined && usage.output_tokens !== undefined
      ? costOf([response?.model, call.upstreamModel], {
          input_tokens: usage.input_tokens,
          output_tokens: usage.output_tokens,
          cached_tokens: usage.cached_tokens,
        })
      : undefined;
  const error = call.error ?? response?.error;
  return {
    model: request.model,
    provider: call.provider,
    request: request.traceRequest,
    ...(response && (response.id || response.model || response.messages.length)
      ? {
          response: {
            ...(response.id ? { id: response.id.slice(0, 128) } : {}),
            ...(response.model ? { model: response.model.slice(0, 256) } : {}),
            messages: response.messages,
          },
        }
      : {}),
    ...(usage ? { usage } : {}),
    ...(cost ? { cost } : {}),
    timing: {
      start: call.start.toISOString(),
      end: call.end.toISOString(),
      ...(call.timeToFirstTokenMs !== undefined ? { time_to_first_token_ms: call.timeToFirstTokenMs } : {}),
    },
    ...(response?.finishReason ? { finish_reason: response.finishReason.slice(0, 64) } : {}),
    stream: request.stream,
    status: error ? "error" : "ok",
    ...(error ? { error } : {}),
    ...(request.user ? { user: request.user } : {}),
    ...(request.sessionId ? { session_id: request.sessionId } : {}),
    ...(request.trace || call.responseBytes ? { trace: { ...request.trace, ...truncationMetadata(call.responseBytes) } } : {}),
  };
}

/** Custom trace metadata marking an answer recorded cut off (`response_truncated`, `response_bytes`). */
function truncationMetadata(responseBytes: number | undefined): Record<string, unknown> {
  return responseBytes === undefined ? {} : { response_truncated: true, response_bytes: responseBytes };
}

const inFlight = new Set<Promise<void>>();

/**
 * Recordings wait up to this long before they are stored, so that those of concurrent and of
 * back-to-back calls share one commit (lib/ingest's group commit takes every request queued in the
 * same turn). Stored alone, each call's trace cost a commit of its own right when the caller's
 * next request arrived: most of the proxy's added latency with the embedded database
 * (bench/proxy.bench.mts). Nobody waits for a recording, so the delay costs nothing visible.
 */
const recordLingerMs = () => Number(process.env.TRACECAST_PROXY_RECORD_LINGER_MS ?? 50);
let nextStore: Promise<void> | undefined;

function storeTogether(): Promise<void> {
  return (nextStore ??= new Promise((resolve) =>
    setTimeout(() => {
      nextStore = undefined;
      resolve();
    }, recordLingerMs()),
  ));
}

/** What the proxied request says beside the trace itself. */
export type RecordingFacts = Pick<AcceptOptions, "headerSessionId" | "caller">;

/** Validates and stores the trace; never rejects (a failure is logged). */
export function recordTrace(ctx: ApiKeyContext, trace: TraceInput, facts: RecordingFacts): Promise<void> {
  const task = (async () => {
    // Called as the relay ends, before the caller's last bytes are written: validating first would
    // hold them back.
    await new Promise((resolve) => setImmediate(resolve));
    const parsed = traceInput.safeParse(trace);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      console.error(`[proxy] trace for ${trace.model} not recorded: it does not pass the trace schema (${where})`);
      return;
    }
    await storeTogether();
    await acceptTraces(ctx, [parsed.data], { ...facts, source: "proxy" });
  })()
    .catch((err) => console.error(`[proxy] trace for ${trace.model} not recorded`, err))
    .finally(() => inFlight.delete(task));
  inFlight.add(task);
  return task;
}

/** Resolves when every trace recording started so far has finished (graceful shutdown, tests, benchmarks). */
export async function settleProxyTraces(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

// The shape of a destination. One file per platform exports one definition (see define.ts); the
// settings form, API validation, secret masking, "Test connection" and delivery are all derived
// from it. Retries, batching, timeouts and the SSRF guard are shared machinery (lib/delivery,
// lib/destinations/http.ts on lib/outbound), never per-destination code.
import type { z } from "zod";
import type { Trace } from "@/lib/traces/schema";
import type { DeliveryError } from "@/lib/outbound/errors";
import type { GuardedAgents } from "@/lib/outbound/ssrf";

/** A trace as handed to an encoder for one destination: privacy mode already applied. */
export type OutboundTrace = Trace & {
  /** Sampling rate in force for this destination when the trace was routed (record as `sampling.rate`). */
  sampling_rate: number;
  /** Stable per (trace, destination): use as idempotency key where the platform supports one. */
  delivery_id: string;
};

/** One HTTP request an encoder wants sent. Pure data: encoders never do I/O. */
export type OutboundRequest = {
  method: "POST" | "PUT";
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** How many traces this request carries (for logs and batch accounting). */
  traceCount: number;
};

/** Traces that were not delivered, by delivery_id, each with its own error. */
export type TraceFailures = Map<string, DeliveryError>;

/** What a delivery attempt answered. */
export type HttpResult = {
  status: number;
  /** Response body, truncated to a short excerpt. */
  body: string;
  headers: Record<string, string>;
  latencyMs: number;
};

export type DeliverContext = {
  /** Sends one request through the shared machinery (timeout, SSRF guard); throws DeliveryError. */
  send(req: OutboundRequest): Promise<HttpResult>;
  /** Each request's timeout (the definition's timeoutMs); send() applies it, an SDK transport should too. */
  timeoutMs: number;
  /** The whole attempt's bound (every request of the batch together). */
  attemptTimeoutMs: number;
  /** Aborted when the attempt times out or the drain stops. */
  signal: AbortSignal;
  /** A signal for one request of an SDK transport: aborted after timeoutMs, or with the attempt. */
  requestSignal(): AbortSignal;
  /**
   * The SSRF guard's http(s) agents: an SDK-based transport must connect through them (never its
   * own resolver), so the address it connects to is the one the guard checked.
   */
  agents: GuardedAgents;
  /**
   * For a transport that opens its own sockets (PostgreSQL): the guard-checked address to connect
   * to for a host name (lib/outbound/ssrf.ts allowedAddress). Connect to it, never to the name.
   */
  resolveTarget(hostname: string): Promise<{ address: string; family: number }>;
  now: () => Date;
};

export type TestResult = {
  ok: boolean;
  /** Platform status code, when there was an HTTP answer. */
  status?: number;
  /** One-line human summary ("Langfuse accepted the test trace (207)"). */
  message: string;
  /** Short excerpt of the platform's answer. */
  responseBody?: string;
  /** The request that was sent, secrets masked (shown in the UI). */
  request?: { method: string; url: string; headers: Record<string, string>; body?: string };
};

export type DestinationCategory =
  | "LLM observability"
  | "APM & tracing"
  | "Product analytics"
  | "Spend management"
  | "Data warehouse & storage"
  | "Custom";

export type DestinationDefinition<S extends z.ZodObject = z.ZodObject> = {
  /** Stable id stored in Destination.type (OpenRouter's `type` values). */
  type: string;
  name: string;
  category: DestinationCategory;
  description: string;
  docsUrl: string;
  /**
   * Config schema, built with the field helpers of define.ts so every property carries its label,
   * help text, secret flag and default. Keys are OpenRouter's camelCase config keys.
   */
  config: S;
  /** Most traces per outbound request (the platform's limit, or a sensible batch). */
  maxBatch: number;
  /** Most encoded bytes per request, when the platform has a payload limit. */
  maxBatchBytes?: number;
  /** Per-request timeout; default 15 s. An attempt (all its requests) gets ATTEMPT_TIMEOUTS of them (http.ts). */
  timeoutMs?: number;
  /**
   * Why the platform would refuse this trace whatever the retry (Datadog: spans older than 24 h),
   * or undefined. Refused traces fail permanently with that reason and are not sent; the rest of
   * their batch is delivered.
   */
  refuses?: (trace: OutboundTrace, now: Date) => string | undefined;
  /**
   * Pure: traces → the HTTP requests to send, `at` being when they are sent (a signature's
   * timestamp: encoders never read the clock). Used by delivery, by test connection and by
   * contract tests. Destinations that must go through an official SDK implement `deliver` instead.
   */
  encode?: (traces: OutboundTrace[], config: z.output<S>, at: Date) => OutboundRequest[];
  /**
   * Custom transport (S3 via the AWS SDK, ClickHouse via its client). Throws DeliveryError when the
   * batch as a whole failed; resolves with the traces the platform refused one by one (Firehose's
   * per-record failures), by delivery_id, when only some were: the others count as delivered.
   */
  deliver?: (traces: OutboundTrace[], config: z.output<S>, ctx: DeliverContext) => Promise<void | TraceFailures>;
  /**
   * What "Test connection" runs. Default (when omitted): deliver one synthetic test trace through
   * the same path as real traffic and report the platform's answer.
   */
  test?: (config: z.output<S>, ctx: DeliverContext) => Promise<TestResult>;
  /** SQL the user runs once to create the target table (ClickHouse, Snowflake). */
  setupSql?: (config: z.output<S>) => string;
};

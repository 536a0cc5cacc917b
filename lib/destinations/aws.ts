// What the destinations built on an AWS SDK v3 client (S3, Data Firehose) share: the client
// settings that keep the SDK inside Tracecast's delivery rules, custom headers signed with the
// request, and the classification of the service's errors.
// Types only: the package every AWS SDK v3 client is built on.
import type { MiddlewareStack } from "@smithy/types";
import { DeliveryError } from "@/lib/outbound/errors";
import { transportError } from "@/lib/outbound/sdk-errors";
import type { DeliverContext } from "./types";

export type AwsCredentialsConfig = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Settings every AWS client of a destination is built with. */
export function awsClientConfig(ctx: Pick<DeliverContext, "agents">, credentials: AwsCredentialsConfig) {
  return {
    // The SSRF guard's agents: the SDK connects to the address the guard resolved and checked.
    requestHandler: { httpAgent: ctx.agents["http:"], httpsAgent: ctx.agents["https:"] },
    // Retries belong to Tracecast's delivery queue, not to a hidden loop inside one attempt.
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
  };
}

/** Adds the destination's custom headers to every request of `client`, before signing (so they are signed). */
export function addCustomHeaders<Input extends object, Output extends object>(client: { middlewareStack: MiddlewareStack<Input, Output> }, headers: Record<string, string>) {
  if (Object.keys(headers).length === 0) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) Object.assign(request.headers, headers);
      return next(args);
    },
    { step: "build", name: "tracecastCustomHeaders" },
  );
}

/** The shape of an AWS SDK service exception (S3ServiceException, FirehoseServiceException…). */
type ServiceExceptionClass = abstract new (...args: never[]) => Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown };

/**
 * An AWS SDK failure as a DeliveryError: the service's answer (permanent when its code is one of
 * `permanent`, with that reason, or when it is a 4xx other than 408/429), else a transport failure.
 */
export function awsDeliveryError(
  err: unknown,
  ctx: Parameters<typeof transportError>[1],
  opts: { exception: ServiceExceptionClass; target: string; refused: string; permanent: Record<string, string> },
): DeliveryError {
  if (!(err instanceof opts.exception) || err.$metadata?.httpStatusCode === undefined) return transportError(err, ctx, opts.target);
  const status = err.$metadata.httpStatusCode;
  const reason = opts.permanent[err.name];
  const retryable = reason === undefined && (status === 408 || status === 429 || status >= 500 || err.$retryable !== undefined);
  const message = `${opts.refused} (${status} ${err.name})${reason ? `: ${reason}` : ""}`;
  return new DeliveryError(status === 404 || reason ? "config" : "http", message, { retryable, status, responseBody: err.message, cause: err });
}

// The errors domain code throws when a request cannot be served as asked: each carries the HTTP
// status and code it is answered with (lib/api/reply.ts writes the one JSON error shape), so a
// lib module says what went wrong without knowing about routes or responses.
import type { z } from "zod";

export type FieldIssue = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function issuesOf(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join(".") || "(root)",
    message: i.message,
  }));
}

export function validationError(error: z.ZodError, where: "body" | "query" | "params" | "headers" = "body", prefix: (string | number)[] = []): ApiError {
  const fields = issuesOf(error, prefix);
  const first = fields[0];
  const summary = first ? `${first.path}: ${first.message}` : "invalid input";
  return new ApiError(400, "invalid_request", `Invalid ${where}: ${summary}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ""}`, fields);
}

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable: a restart or failover takes seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database is down, restarting or unreachable: retry later (lib/db-client.ts isDatabaseUnavailable). */
export const databaseUnavailable = () =>
  new ApiError(503, "database_unavailable", `The database is unavailable right now; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`, undefined, {
    "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
  });

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new ApiError(403, "forbidden", message);
export const unauthorized = (message = "Sign in required") => new ApiError(401, "unauthorized", message);

/** Validates input handed to a lib function (server actions, routes): the parsed value or a 400 naming the fields. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

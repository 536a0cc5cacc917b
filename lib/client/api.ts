// The fetch helper client components use for the JSON API. Every response body is parsed with the
// zod schema the caller names (the server is another process: its JSON is a boundary), and every
// non-2xx answer becomes an ApiClientError carrying the server's {error:{code,message,fields}}, so
// a form can put each field's message under its own input.
import * as z from "zod/mini";

export type ApiFieldIssue = { path: string; message: string };

export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: ApiFieldIssue[] = [],
  ) {
    super(message);
    this.name = "ApiClientError";
  }

  /** The field messages keyed by path ("email", "traces.0.model"), the first message per path. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.fields) out[f.path] ??= f.message;
    return out;
  }
}

/**
 * A 202 from a broadcast route: in an organization, a member's change was saved as a change
 * request for an admin to approve; nothing changed yet. It arrives through the error channel on
 * purpose, so optimistic updates roll back and "saved" paths do not run; callers that want to
 * tell it apart from a failure use isChangeProposed().
 */
export class ChangeProposedError extends ApiClientError {
  constructor(readonly changeRequest: { id: string; title: string }) {
    super(202, "change_proposed", `Sent for approval: “${changeRequest.title}” takes effect once an admin approves it.`);
    this.name = "ChangeProposedError";
  }
}

export function isChangeProposed(error: unknown): error is ChangeProposedError {
  return error instanceof ChangeProposedError;
}

const proposedBodySchema = z.object({ changeRequest: z.object({ id: z.string(), title: z.string(), status: z.literal("pending") }) });

const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
});

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

async function request<T>(method: Method, path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiClientError(0, "network_error", "Could not reach the server. Check your connection and try again.");
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const parsed = errorBodySchema.safeParse(json);
    if (parsed.success) {
      const { code, message, fields } = parsed.data.error;
      throw new ApiClientError(res.status, code, message, fields);
    }
    throw new ApiClientError(res.status, "http_error", `The server answered ${res.status} ${res.statusText}`.trim());
  }
  if (res.status === 202) {
    const proposed = proposedBodySchema.safeParse(json);
    if (proposed.success) throw new ChangeProposedError(proposed.data.changeRequest);
  }
  const parsed = schema.safeParse(res.status === 204 ? undefined : json);
  if (!parsed.success) {
    throw new ApiClientError(res.status, "invalid_response", "The server sent a response this page does not understand.");
  }
  return parsed.data;
}

/** For endpoints that answer with no body worth reading (204, or a body the caller ignores). */
export const noContent = z.pipe(z.unknown(), z.transform(() => undefined));

export const api = {
  get: <T>(path: string, schema: z.ZodMiniType<T>) => request("GET", path, schema),
  post: <T>(path: string, schema: z.ZodMiniType<T>, body?: unknown) => request("POST", path, schema, body ?? {}),
  patch: <T>(path: string, schema: z.ZodMiniType<T>, body: unknown) => request("PATCH", path, schema, body),
  put: <T>(path: string, schema: z.ZodMiniType<T>, body: unknown) => request("PUT", path, schema, body),
  delete: <T>(path: string, schema: z.ZodMiniType<T>) => request("DELETE", path, schema),
};

/** A readable message for any error a query or mutation can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiClientError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

/** Field messages of a server validation error, or {} for any other error. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  return error instanceof ApiClientError ? error.fieldErrors() : {};
}

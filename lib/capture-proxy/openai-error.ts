// Errors of the capture proxy itself, in OpenAI's error shape, because the callers are OpenAI
// clients: {"error":{"message","type","param","code"}}. The official SDKs surface `message`,
// `type`, `param` and `code` from exactly this object. (Errors of the upstream are relayed
// unchanged, never rewrapped.)

export type OpenAiErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "api_error";

export class ProxyError extends Error {
  constructor(
    readonly status: number,
    readonly type: OpenAiErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "ProxyError";
  }
}

export function invalidRequest(message: string, param: string | null, code = "invalid_request"): ProxyError {
  return new ProxyError(400, "invalid_request_error", message, param, code);
}

export function openAiErrorResponse(err: ProxyError): Response {
  return Response.json(
    { error: { message: err.message, type: err.type, param: err.param, code: err.code } },
    { status: err.status },
  );
}

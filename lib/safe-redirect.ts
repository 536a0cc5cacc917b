// Where to send a user after signing in. The target comes from the URL (?callbackUrl=…), so the
// result is always a path on this site: an absolute URL (Auth.js's proxy sends those) is reduced
// to its path, and "//evil.example" or "/\evil.example" — protocol-relative URLs that browsers
// resolve to another host — are refused.
export const AFTER_SIGN_IN_PATH = "/";

export function safeCallbackPath(value: unknown, fallback: string = AFTER_SIGN_IN_PATH): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  // Control characters (tab, newline) are stripped by URL parsers and can turn "/\t/host" into "//host".
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return safeCallbackPath(url.pathname + url.search + url.hash, fallback);
    } catch {
      return fallback;
    }
  }
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}

/** `path` with `callbackUrl` appended when the destination is not the default one. */
export function withCallback(path: string, callbackUrl: string): string {
  return callbackUrl === AFTER_SIGN_IN_PATH ? path : `${path}?callbackUrl=${encodeURIComponent(callbackUrl)}`;
}

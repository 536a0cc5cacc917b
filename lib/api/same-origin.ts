// Cross-site request forgery: a page on another site can make the browser send a POST with the
// session cookie (a form, or fetch with a text/plain or empty body, which needs no CORS preflight).
// Requests authenticated by that cookie and able to change something must therefore come from
// Tracecast's own pages. defineRoute applies this to every route except API-key routes (a key is
// sent explicitly, never added by the browser); Auth.js's POST endpoints get it too.
//
// How a request is judged:
//   - GET, HEAD and OPTIONS change nothing and pass.
//   - Sec-Fetch-Site, when present, is set by the browser and cannot be set by a page: it decides.
//     "same-origin" and "none" (the user's own navigation) pass; "same-site" (a sibling subdomain
//     may belong to someone else) and "cross-site" are refused.
//   - Otherwise Origin decides: its host must be this site's (AUTH_URL's host, the Host header, or
//     X-Forwarded-Host when the host headers are trusted: AUTH_TRUST_HOST). "null" is refused.
//   - Neither header: passes. Every browser that runs Tracecast's UI sends Origin with a POST, PUT,
//     PATCH or DELETE, same-origin or not, so such a request comes from a script or curl, which
//     holds the cookie itself and forges nothing (Next.js judges server actions the same way).
import { ApiError } from "@/lib/errors";
import { trustHostFromEnv } from "@/lib/auth/base-config";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SAME_ORIGIN_FETCH_SITES = new Set(["same-origin", "none"]);

type Env = Record<string, string | undefined>;
export type OriginCheckedRequest = { method: string; url: string; headers: Pick<Headers, "get"> };

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The hosts this site answers as: what a same-origin page's Origin can name. */
function ownHosts(req: OriginCheckedRequest, env: Env): Set<string> {
  const hosts = [hostOf(env.AUTH_URL), req.headers.get("host")?.toLowerCase(), hostOf(req.url)];
  if (trustHostFromEnv(env)) hosts.push(req.headers.get("x-forwarded-host")?.split(",")[0].trim().toLowerCase());
  return new Set(hosts.filter((h): h is string => Boolean(h)));
}

/** Why the request is a cross-site one that may not change anything, or undefined when it may. */
export function crossSiteReason(req: OriginCheckedRequest, env: Env = process.env): string | undefined {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return undefined;
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite !== null) return SAME_ORIGIN_FETCH_SITES.has(fetchSite) ? undefined : `the browser reports it as ${fetchSite} (Sec-Fetch-Site)`;
  const origin = req.headers.get("origin");
  if (origin === null) return undefined;
  const host = origin === "null" ? undefined : hostOf(origin);
  return host && ownHosts(req, env).has(host) ? undefined : `it comes from ${origin.slice(0, 200)}, not from this site`;
}

/** 403 cross_site_request for a state-changing request from another site (see the top of this file). */
export function assertSameOrigin(req: OriginCheckedRequest, env: Env = process.env): void {
  const reason = crossSiteReason(req, env);
  if (reason) {
    throw new ApiError(403, "cross_site_request", `Refused a ${req.method.toUpperCase()} request made by another site: ${reason}. Changes must be made from Tracecast's own pages.`);
  }
}

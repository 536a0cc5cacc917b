// `{base}/v1/traces` (OTLP/HTTP's traces path under a base endpoint) for destinations whose users
// may paste either the base or the full traces URL, as the platform's own setup page shows it.
import { joinUrl } from "./otlp";

export const tracesUrlUnder = (baseUrl: string) => joinUrl(baseUrl.replace(/\/+$/, "").replace(/\/v1\/traces$/, ""), "/v1/traces");

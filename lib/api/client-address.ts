// The address a request comes from, for the limits on failed API keys and failed sign-ins: one rule
// for every route, so an attacker cannot pick the laxer of two.
//
// - Behind N trusted reverse proxies (TRACECAST_TRUSTED_PROXY_HOPS=N, each appending to
//   X-Forwarded-For): the Nth address from the right; what a client writes further left is ignored.
// - Otherwise the peer of the connection: the direct routes know it, and the production server
//   (scripts/server.mjs) hands it to Next.js in PEER_ADDRESS_HEADER, replacing whatever a client sent
//   under that name. Only a process started by that server (TRACECAST_FRONT_SERVER=1, which it sets
//   itself) reads the header: under `next start` or `next dev` a client could write it.
// - Else unknown: Next.js gives route handlers no peer address, and the X-Forwarded-For it fills in
//   only when a request has none is the client's to choose.
import { z } from "zod";

export const PEER_ADDRESS_HEADER = "x-tracecast-peer-address";

const hopsSchema = z.coerce.number().int().nonnegative().default(0);

export type AddressedRequest = { headers: Pick<Headers, "get">; clientAddress?: string };

export function clientAddressOf(req: AddressedRequest, env: Record<string, string | undefined> = process.env): string | undefined {
  const hops = hopsSchema.parse(env.TRACECAST_TRUSTED_PROXY_HOPS || undefined);
  if (hops > 0) {
    const forwarded = (req.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    const address = forwarded[Math.max(0, forwarded.length - hops)];
    if (address) return address;
  }
  if (req.clientAddress) return req.clientAddress;
  if (env.TRACECAST_FRONT_SERVER === "1") return req.headers.get(PEER_ADDRESS_HEADER) ?? undefined;
  return undefined;
}

// The one rule for a request's client address (lib/api/client-address.ts), which the failed-key and
// failed-sign-in limits count by: a client must not be able to choose it.
import { describe, expect, it } from "vitest";
import { clientAddressOf, PEER_ADDRESS_HEADER } from "@/lib/api/client-address";

const req = (headers: Record<string, string>, clientAddress?: string) => ({ headers: new Headers(headers), clientAddress });

describe("clientAddressOf", () => {
  it("is the connection's peer on the direct routes, whatever X-Forwarded-For says", () => {
    expect(clientAddressOf(req({ "x-forwarded-for": "203.0.113.7" }, "127.0.0.9"), {})).toBe("127.0.0.9");
  });

  it("reads the peer header only in a process the production server started", () => {
    const forwarded = req({ [PEER_ADDRESS_HEADER]: "192.0.2.5", "x-forwarded-for": "203.0.113.7" });
    expect(clientAddressOf(forwarded, { TRACECAST_FRONT_SERVER: "1" })).toBe("192.0.2.5");
    // Under `next start` a client could write the header itself.
    expect(clientAddressOf(forwarded, {})).toBeUndefined();
  });

  it("behind N trusted proxies, takes the Nth X-Forwarded-For entry from the right", () => {
    const viaTwo = req({ "x-forwarded-for": "6.6.6.6, 198.51.100.1, 10.0.0.2" }, "10.0.0.3");
    expect(clientAddressOf(viaTwo, { TRACECAST_TRUSTED_PROXY_HOPS: "2" })).toBe("198.51.100.1");
    expect(clientAddressOf(viaTwo, { TRACECAST_TRUSTED_PROXY_HOPS: "1" })).toBe("10.0.0.2");
  });
});

import { describe, expect, it } from "vitest";
import type { LookupFunction } from "@/lib/outbound/ssrf";
import { assertAllowedHost, assertAllowedUrl, blockedAddressReason, parseIPv4Loose } from "@/lib/outbound/ssrf";
import { send } from "@/lib/outbound/send";
import { DeliveryError } from "@/lib/outbound/errors";

/** A resolver that answers from a fixed table instead of real DNS. */
function fakeResolver(table: Record<string, { address: string; family: number }[]>): LookupFunction {
  const lookup = (hostname: string, _opts: unknown, cb: (err: Error | null, addresses?: unknown) => void) => {
    const answer = table[hostname];
    if (!answer) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }));
    cb(null, answer);
  };
  return lookup as unknown as LookupFunction;
}

const guarded = { allowPrivate: false } as const;

async function rejection(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe("parseIPv4Loose", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["10.1.1", "10.1.0.1"],
    ["0", "0.0.0.0"],
    ["8.8.8.8", "8.8.8.8"],
  ])("%s → %s", (text, expected) => expect(parseIPv4Loose(text)).toBe(expected));

  it.each(["example.com", "256.1.1.1", "1.2.3.4.5", "08.1.1.1", "4294967296", "1..2", ""])("%s is not an IPv4 address", (text) =>
    expect(parseIPv4Loose(text)).toBeUndefined(),
  );
});

describe("blockedAddressReason", () => {
  it.each([
    "127.0.0.1",
    "10.0.0.5",
    "172.16.3.4",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a9fe:a9fe",
    "::127.0.0.1",
    "64:ff9b::10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "fe80::1%eth0",
  ])("%s is blocked", (address) => expect(blockedAddressReason(address)).toBeDefined());

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "%s is allowed",
    (address) => expect(blockedAddressReason(address)).toBeUndefined(),
  );
});

describe("assertAllowedUrl", () => {
  const lookup = fakeResolver({
    "collector.example.com": [{ address: "93.184.215.14", family: 4 }],
    "rebind.example.com": [
      { address: "93.184.215.14", family: 4 },
      { address: "127.0.0.1", family: 4 },
    ],
    "metadata.example.com": [{ address: "169.254.169.254", family: 4 }],
    "v6-internal.example.com": [{ address: "fd00::7", family: 6 }],
  });

  it.each([
    "http://127.0.0.1:4318/v1/traces",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::192.168.0.1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.1.1/",
    "http://0.0.0.0/",
  ])("refuses %s", async (url) => {
    const err = await rejection(assertAllowedUrl(url, { ...guarded, lookup }));
    expect(err.kind).toBe("blocked_target");
    expect(err.retryable).toBe(false);
  });

  it.each(["metadata.example.com", "rebind.example.com", "v6-internal.example.com"])(
    "refuses hostname %s that resolves to a blocked address",
    async (host) => {
      const err = await rejection(assertAllowedUrl(`https://${host}/v1/traces`, { ...guarded, lookup }));
      expect(err.kind).toBe("blocked_target");
      expect(err.message).toContain(host);
    },
  );

  it("also checks raw hostnames given in any IPv4 encoding", async () => {
    for (const host of ["2130706433", "0x7f.1", "0177.0.0.1", "127.1"]) {
      expect((await rejection(assertAllowedHost(host, { ...guarded, lookup }))).kind).toBe("blocked_target");
    }
  });

  it("accepts a public hostname and a public address", async () => {
    await expect(assertAllowedUrl("https://collector.example.com/v1/traces", { ...guarded, lookup })).resolves.toBeUndefined();
    await expect(assertAllowedUrl("https://8.8.8.8/", { ...guarded, lookup })).resolves.toBeUndefined();
  });

  it("reports an unresolvable hostname as a retryable network error", async () => {
    const err = await rejection(assertAllowedUrl("https://nowhere.example.com/", { ...guarded, lookup }));
    expect(err.kind).toBe("network");
    expect(err.retryable).toBe(true);
  });

  it("refuses non-http schemes", async () => {
    expect((await rejection(assertAllowedUrl("file:///etc/passwd", guarded))).kind).toBe("config");
  });

  it("lets everything through when private targets are allowed", async () => {
    await expect(assertAllowedUrl("http://127.0.0.1/", { allowPrivate: true, lookup })).resolves.toBeUndefined();
    await expect(assertAllowedUrl("https://metadata.example.com/", { allowPrivate: true, lookup })).resolves.toBeUndefined();
  });
});

describe("send with the guard on", () => {
  it("checks the address it connects to, even when the hostname passed validation", async () => {
    const prev = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
    try {
      // The resolver answers a public address when asked once and loopback the next time (DNS rebinding).
      let calls = 0;
      const rebinding = ((_host: string, _opts: unknown, cb: (err: null, a: unknown) => void) =>
        cb(null, [{ address: calls++ === 0 ? "93.184.215.14" : "127.0.0.1", family: 4 }])) as unknown as LookupFunction;
      await expect(assertAllowedUrl("http://rebind.test/", { lookup: rebinding })).resolves.toBeUndefined();
      const err = await rejection(
        send({ method: "POST", url: "http://rebind.test/", headers: {}, body: "{}", traceCount: 1 }, { timeoutMs: 2000, lookup: rebinding }),
      );
      expect(err.kind).toBe("blocked_target");
      const literal = await rejection(
        send({ method: "POST", url: "http://0x7f.1:9/", headers: {}, body: "{}", traceCount: 1 }, { timeoutMs: 2000 }),
      );
      expect(literal.kind).toBe("blocked_target");
    } finally {
      process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = prev;
    }
  });
});

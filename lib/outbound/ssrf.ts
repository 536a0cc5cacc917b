// SSRF guard for destination URLs. A destination URL is user input that our server connects to,
// so it must not reach loopback, private networks, link-local/cloud-metadata addresses or any
// other non-public range, whatever the textual encoding of the address. The check runs inside
// the socket's DNS lookup (see guardedLookup), i.e. on the very address that is connected to, so
// a hostname that resolves to a public address at validation time and to 127.0.0.1 at connect
// time (DNS rebinding) is still refused. Every transport (our own sender, SDK clients, the capture
// proxy) connects through guardedAgents, so none resolves a host outside the guard.
//
// Operators of self-hosted collectors (and the test suite) switch the guard off with
// TRACECAST_ALLOW_PRIVATE_TARGETS=true.
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import { DeliveryError } from "./errors";

/** IPv4 ranges that are not public unicast (IANA special-purpose registry, RFC 6890 and later). */
const BLOCKED_V4: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, incl. 169.254.169.254 cloud metadata
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. 255.255.255.255 broadcast
];

/** IPv6 ranges that are not public unicast. Ranges that embed an IPv4 address are handled apart. */
const BLOCKED_V6: [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215): translates to arbitrary, often private, IPv4
  ["100::", 64], // discard-only
  ["2001::", 32], // Teredo: the embedded client address is obfuscated, so refuse the whole prefix
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // deprecated site-local
  ["ff00::", 8], // multicast
];

const blockList = new net.BlockList();
for (const [addr, prefix] of BLOCKED_V4) blockList.addSubnet(addr, prefix, "ipv4");
for (const [addr, prefix] of BLOCKED_V6) blockList.addSubnet(addr, prefix, "ipv6");

/** True when the operator allows private/loopback targets (self-hosted collectors, tests). */
export function privateTargetsAllowed(): boolean {
  return process.env.TRACECAST_ALLOW_PRIVATE_TARGETS === "true";
}

/**
 * Parses an IPv4 address in any form inet_aton accepts — 1 to 4 parts, each decimal, octal
 * (leading 0) or hex (0x): "2130706433", "0177.0.0.1", "0x7f.1", "127.1" — to dotted quad.
 * Returns undefined when the text is not such an address.
 */
export function parseIPv4Loose(text: string): string | undefined {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return undefined;
    values.push(value);
  }
  // The last part fills all remaining bytes ("127.1" = 127.0.0.1, "2130706433" = 127.0.0.1).
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return undefined;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const bytes = [...values];
  for (let i = lastBytes - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes.join(".");
}

/** The 16 bytes of an IPv6 address (any valid textual form, incl. a trailing dotted quad). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const [a, b, c, d] = dotted[2].split(".").map(Number);
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array(8 - headGroups.length - tailGroups.length).fill("0");
  const groups = [...headGroups, ...fill, ...tailGroups].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

const isZero = (bytes: number[]) => bytes.every((b) => b === 0);
const v4FromBytes = (bytes: number[]) => bytes.join(".");

/**
 * The IPv4 address an IPv6 address carries and that a packet to it ends up reaching:
 * IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 6to4 2002::/16.
 */
function embeddedIPv4(bytes: number[]): string | undefined {
  if (isZero(bytes.slice(0, 10)) && bytes[10] === 0xff && bytes[11] === 0xff) return v4FromBytes(bytes.slice(12));
  // ::a.b.c.d, but not :: and ::1 themselves (they are in BLOCKED_V6).
  if (isZero(bytes.slice(0, 12)) && !isZero(bytes.slice(12, 15))) return v4FromBytes(bytes.slice(12));
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && isZero(bytes.slice(4, 12)))
    return v4FromBytes(bytes.slice(12));
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4FromBytes(bytes.slice(2, 6));
  return undefined;
}

/** Why an IP address (canonical IPv4 or IPv6 text) is not an allowed target, or undefined. */
export function blockedAddressReason(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 4) return blockList.check(address, "ipv4") ? `${address} is a private or reserved IPv4 address` : undefined;
  if (family !== 6) return `${address} is not an IP address`;
  const bytes = ipv6Bytes(address);
  const v4 = embeddedIPv4(bytes);
  if (v4 !== undefined) {
    const inner = blockedAddressReason(v4);
    return inner ? `${address} embeds ${v4}: ${inner}` : undefined;
  }
  return blockList.check(address, "ipv6") ? `${address} is a private or reserved IPv6 address` : undefined;
}

/** A URL hostname (brackets, trailing dot, any IPv4 encoding) → IP text when it is an IP literal. */
export function ipLiteralOf(hostname: string): string | undefined {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
  if (net.isIP(host)) return host;
  return parseIPv4Loose(host);
}

export class BlockedTargetError extends DeliveryError {
  constructor(message: string) {
    super("blocked_target", `${message}. Set TRACECAST_ALLOW_PRIVATE_TARGETS=true to allow private targets.`, { retryable: false });
  }
}

export type LookupFunction = typeof dns.lookup;
type LookupAddress = { address: string; family: number };

export type GuardOptions = {
  /** Defaults to TRACECAST_ALLOW_PRIVATE_TARGETS. */
  allowPrivate?: boolean;
  /** The resolver to guard; defaults to dns.lookup (tests inject their own). */
  lookup?: LookupFunction;
};

/**
 * A drop-in `lookup` for http.request / net.connect that resolves through `base` and fails with a
 * BlockedTargetError when any resolved address is blocked, so the address connected to is the
 * address checked.
 */
export function guardedLookup(options: GuardOptions = {}): LookupFunction {
  const base = options.lookup ?? dns.lookup;
  const lookup = (hostname: string, opts: unknown, callback?: unknown) => {
    // Read per lookup: a long-lived agent follows the operator switch as it is now.
    const allowPrivate = options.allowPrivate ?? privateTargetsAllowed();
    const cb = (typeof opts === "function" ? opts : callback) as (err: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const requested = (typeof opts === "object" && opts !== null ? opts : typeof opts === "number" ? { family: opts } : {}) as dns.LookupOptions;
    base(hostname, { ...requested, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        for (const { address } of list) {
          const reason = blockedAddressReason(address);
          if (reason) return cb(new BlockedTargetError(`${hostname} resolves to ${reason}`));
        }
      }
      if (requested.all) return cb(null, list);
      if (list.length === 0) return cb(Object.assign(new Error(`${hostname} did not resolve`), { code: "ENOTFOUND" }));
      cb(null, list[0].address, list[0].family);
    });
  };
  // Cast: dns.lookup is an overloaded function type; the implementation above covers every overload.
  return lookup as unknown as LookupFunction;
}

/** The error for a host that is an IP literal on a blocked address (literals never reach a lookup). */
function blockedLiteral(host: string | null | undefined, options: GuardOptions): BlockedTargetError | undefined {
  if (!host || (options.allowPrivate ?? privateTargetsAllowed())) return undefined;
  const literal = ipLiteralOf(host);
  const reason = literal === undefined ? undefined : blockedAddressReason(literal);
  return reason ? new BlockedTargetError(`${host} is not allowed: ${reason}`) : undefined;
}

/** The error for a pooled socket whose peer is blocked (opened while private targets were allowed). */
function blockedPeer(socket: Duplex, options: GuardOptions): BlockedTargetError | undefined {
  const peer = socket instanceof net.Socket ? socket.remoteAddress : undefined;
  if (!peer || (options.allowPrivate ?? privateTargetsAllowed())) return undefined;
  const reason = blockedAddressReason(peer);
  return reason ? new BlockedTargetError(`The connection is to ${reason}`) : undefined;
}

type ConnectionCallback = (err: Error | null, stream: Duplex) => void;

/**
 * The agents every outbound connection to a user-given URL goes through (destination delivery,
 * SDK transports such as the AWS SDK and @clickhouse/client, the capture proxy's upstream leg).
 * Each socket is opened with guardedLookup and an IP literal is checked before connecting, so the
 * address connected to is always the address the guard approved: there is no second resolution
 * outside the guard for DNS rebinding to exploit. The agent's options take precedence over a
 * request's own, so an SDK cannot swap the lookup out. A keep-alive agent checks a pooled socket's
 * peer again when reusing it (the operator switch may have changed since it was opened).
 */
export type GuardedAgents = { "http:": http.Agent; "https:": https.Agent };

export function guardedAgents(options: GuardOptions & { keepAlive?: boolean } = {}): GuardedAgents {
  const { keepAlive = false, ...guard } = options;
  const lookup = guardedLookup(guard);
  // Node's Agent takes a connection error through the callback (the request then emits it).
  const refuse = (err: BlockedTargetError, callback: ConnectionCallback | undefined) => {
    if (!callback) throw err;
    callback(err, undefined as unknown as Duplex);
    return undefined;
  };
  const dropBlockedPeer = (socket: Duplex, request: http.ClientRequest): boolean => {
    const refused = blockedPeer(socket, guard);
    if (!refused) return false;
    // The request fails with the refusal; the socket, handed back to the pool meanwhile, is closed after.
    request.destroy(refused);
    request.once("close", () => socket.destroy());
    return true;
  };
  // One subclass for both protocols: https.Agent is an http.Agent with TLS, and the checks are the same.
  // any[]: TypeScript requires a mixin's base constructor to take any[].
  const guarded = <C extends new (...args: any[]) => http.Agent>(Base: C) =>
    class extends Base {
      createConnection(opts: http.ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
        const refused = blockedLiteral(opts.host ?? opts.hostname, guard);
        return refused ? refuse(refused, callback) : super.createConnection(opts, callback);
      }
      reuseSocket(socket: Duplex, request: http.ClientRequest): void {
        if (!dropBlockedPeer(socket, request)) super.reuseSocket(socket, request);
      }
    };
  const GuardedHttpAgent = guarded(http.Agent);
  const GuardedHttpsAgent = guarded(https.Agent);
  return { "http:": new GuardedHttpAgent({ keepAlive, lookup }), "https:": new GuardedHttpsAgent({ keepAlive, lookup }) };
}

/** The guarded agent for a URL's protocol (http: or https:). */
export function guardedAgentFor(agents: GuardedAgents, url: string | URL): http.Agent {
  return new URL(url).protocol === "https:" ? agents["https:"] : agents["http:"];
}

/** Throws BlockedTargetError when `url` is not http(s) or its host is (or resolves to) a blocked address. */
export async function assertAllowedUrl(url: string, options: GuardOptions = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeliveryError("config", `"${url}" is not a valid URL`, { retryable: false });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DeliveryError("config", `Only http and https URLs are supported (got ${parsed.protocol})`, { retryable: false });
  }
  await assertAllowedHost(parsed.hostname, options);
}

/** Throws BlockedTargetError when `hostname` is (or resolves to) a blocked address. */
export async function assertAllowedHost(hostname: string, options: GuardOptions = {}): Promise<void> {
  const allowPrivate = options.allowPrivate ?? privateTargetsAllowed();
  if (allowPrivate) return;
  if (ipLiteralOf(hostname) !== undefined) {
    const refused = blockedLiteral(hostname, { allowPrivate });
    if (refused) throw refused;
    return;
  }
  const lookup = guardedLookup({ ...options, allowPrivate });
  await new Promise<void>((resolve, reject) =>
    lookup(hostname, { all: true }, (err) => {
      if (err instanceof DeliveryError) reject(err);
      else if (err) reject(new DeliveryError("network", `Could not resolve ${hostname}: ${err.message}`, { retryable: true, cause: err }));
      else resolve();
    }),
  );
}

/**
 * The address a transport that opens its own sockets (the PostgreSQL wire protocol) connects to for
 * `hostname`: an IP literal checked as is, else the name resolved once through guardedLookup (every
 * answer checked). The caller connects to this address, never to the name again, so a resolver
 * that answers a public address now and 127.0.0.1 later (DNS rebinding) gains nothing.
 */
export async function allowedAddress(hostname: string, options: GuardOptions = {}): Promise<{ address: string; family: number }> {
  const literal = ipLiteralOf(hostname);
  if (literal !== undefined) {
    const refused = blockedLiteral(hostname, options);
    if (refused) throw refused;
    return { address: literal, family: net.isIP(literal) };
  }
  const lookup = guardedLookup(options);
  return new Promise((resolve, reject) =>
    lookup(hostname, {}, (err, address, family) => {
      if (err instanceof DeliveryError) reject(err);
      else if (err) reject(new DeliveryError("network", `Could not resolve ${hostname}: ${err.message}`, { retryable: true, cause: err }));
      else resolve({ address: address as string, family: family ?? net.isIP(address as string) });
    }),
  );
}

// SSRF through the destinations API (tests/outbound/ssrf.test.ts covers the guard functions and the
// sender): with TRACECAST_ALLOW_PRIVATE_TARGETS unset, testing a webhook / OTel collector
// destination that points at loopback, private, link-local or metadata addresses, in any textual
// encoding or via a hostname resolving to them (localhost), fails naming the blocked target; with
// the operator switch on, the same URLs are not blocked.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as testUnsaved from "@/app/api/workspaces/[workspaceId]/destinations/test/route";
import { actAs } from "../support/session-mock";
import { call, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const BLOCKED_URLS = [
  "http://127.0.0.1:9/hook",
  "http://localhost:9/hook", // a hostname that resolves to loopback
  "http://10.0.0.5/hook",
  "http://172.16.1.1/hook",
  "http://192.168.1.10/hook",
  "http://169.254.169.254/latest/meta-data/", // cloud metadata
  "http://[fe80::1]/hook",
  "http://[::1]:9/hook",
  "http://[::ffff:127.0.0.1]:9/hook", // IPv4-mapped IPv6
  "http://[::ffff:a9fe:a9fe]/hook", // IPv4-mapped metadata, hex form
  "http://2130706433:9/hook", // 127.0.0.1 in decimal
  "http://0177.0.0.1:9/hook", // octal
  "http://0x7f.0.0.1:9/hook", // hex
  "http://127.1:9/hook", // short form
  "http://0.0.0.0:9/hook",
  "http://100.64.0.1/hook", // carrier-grade NAT
];

const TYPES = [
  { type: "webhook", config: (url: string) => ({ url }) },
  { type: "otel-collector", config: (url: string) => ({ endpoint: url }) },
];

let workspaceId: string;
let owner: Awaited<ReturnType<typeof createUser>>;
const previous = process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;

beforeAll(async () => {
  owner = await createUser("ssrf-owner");
  workspaceId = owner.personalWorkspaceId;
});

afterEach(() => {
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = previous;
});

function errorText(json: unknown): string {
  return JSON.stringify(json);
}

// Saving such a destination is allowed (the guard runs where the connection is made, so DNS
// rebinding cannot bypass it; see lib/outbound/ssrf.ts): what must fail is every connection.
const BLOCKED = /not allowed|resolves to/i;

describe("test connection through the API with private targets NOT allowed", () => {
  it.each(TYPES.flatMap((t) => BLOCKED_URLS.map((url) => ({ ...t, url }))))("$type → $url: the test fails, naming the blocked target", async ({ type, config, url }) => {
    delete process.env.TRACECAST_ALLOW_PRIVATE_TARGETS;
    actAs(owner);
    const tested = await call(testUnsaved.POST, { method: "POST", params: { workspaceId }, body: { type, config: config(url) } });
    expect(tested.status, errorText(tested.json)).toBeLessThan(500);
    if (tested.status === 200) expect(tested.json.result.ok, errorText(tested.json)).toBe(false);
    expect(errorText(tested.json)).toMatch(BLOCKED);
  });
});

describe("test connection with the operator switch on", () => {
  it.each(TYPES)("$type: the same private URLs are not blocked (they fail only because nothing listens)", async ({ type, config }) => {
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
    actAs(owner);
    for (const url of ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://2130706433:9/hook"]) {
      const tested = await call(testUnsaved.POST, { method: "POST", params: { workspaceId }, body: { type, config: config(url) } });
      expect(tested.status, errorText(tested.json)).toBe(200);
      expect(errorText(tested.json)).not.toMatch(BLOCKED);
    }
  });
});

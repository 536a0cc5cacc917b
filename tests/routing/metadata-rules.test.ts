// Filter rules on trace metadata (`trace_name`, `environment`, `metadata.<key>`) end to end: set
// through the app's destinations API and through the OpenRouter-shaped management API, evaluated
// when traces arrive on POST /api/v1/traces, and counted alike by the routing preview the form shows.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as list from "@/app/api/workspaces/[workspaceId]/destinations/route";
import * as preview from "@/app/api/workspaces/[workspaceId]/destinations/routing-preview/route";
import { issueApiKey } from "@/lib/api-keys/keys";
import { prisma } from "@/lib/db";
import type { TraceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { call, createOrganization, createUser } from "../support/accounts";
import { managementKeyOf, serveManagementApi, type ApiServer } from "../support/management-api";
import { traceStatuses } from "@/lib/delivery/status";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));
vi.mock("@/lib/delivery/dispatcher", () => ({ kickDestinations: vi.fn(async () => {}) }));

const TIERS = { enabled: true, groups: [{ logic: "and", rules: [{ field: "metadata.customer_tier", operator: "equals", value: "gold" }] }] };
const CHECKOUT_OR_URGENT = {
  enabled: true,
  groups: [
    { logic: "and", rules: [{ field: "trace_name", operator: "starts_with", value: "checkout" }, { field: "environment", operator: "equals", value: "production" }] },
    { logic: "and", rules: [{ field: "metadata.priority", operator: "gte", value: 5 }] },
  ],
};

/** Each trace's `trace` object, and the destinations that must receive it. */
const CASES: { trace?: Record<string, unknown>; tiers: boolean; checkoutOrUrgent: boolean }[] = [
  { trace: { customer_tier: "gold" }, tiers: true, checkoutOrUrgent: false },
  { trace: { customer_tier: "silver" }, tiers: false, checkoutOrUrgent: false },
  { trace: { customer_tier: "Gold" }, tiers: false, checkoutOrUrgent: false },
  { trace: { trace_name: "checkout: pay", environment: "production" }, tiers: false, checkoutOrUrgent: true },
  { trace: { trace_name: "checkout: pay", env: "production", customer_tier: "gold" }, tiers: true, checkoutOrUrgent: true },
  { trace: { trace_name: "checkout: pay", environment: "staging" }, tiers: false, checkoutOrUrgent: false },
  { trace: { priority: 7 }, tiers: false, checkoutOrUrgent: true },
  { trace: { priority: "9" }, tiers: false, checkoutOrUrgent: true },
  { trace: { priority: 2 }, tiers: false, checkoutOrUrgent: false },
  { trace: { priority: "high" }, tiers: false, checkoutOrUrgent: false },
  { tiers: false, checkoutOrUrgent: false },
];

let server: ApiServer;
let workspaceId: string;
let ingestSecret: string;
let managementKey: string;
beforeAll(async () => {
  server = await serveManagementApi();
  const owner = await createUser("metadata-owner");
  workspaceId = (await createOrganization(owner, "Metadata org")).id;
  ingestSecret = (await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name: "Production", actor: null }))).secret;
  managementKey = await managementKeyOf(owner, workspaceId);
  actAs(owner);
});
afterAll(() => server.close());

const management = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${server.url}/api/v1/observability/destinations${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${managementKey}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

function traceBody(i: number, trace: Record<string, unknown> | undefined): TraceInput {
  return {
    id: `gen-meta-${i}`,
    model: "openai/gpt-4o-mini",
    request: { messages: [{ role: "user", content: `case ${i}` }] },
    timing: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T12:00:00.800Z" },
    ...(trace ? { trace } : {}),
  };
}

describe("filter rules on trace metadata", () => {
  it("are accepted by both APIs in OpenRouter's JSON shape, route at ingest, and match the routing preview", async () => {
    const viaApp = await call(list.POST, {
      method: "POST",
      params: { workspaceId },
      body: { type: "webhook", name: "Gold customers", config: { url: "http://127.0.0.1:9/" }, filterRules: TIERS },
    });
    expect(viaApp.status, JSON.stringify(viaApp.json)).toBe(201);
    expect(viaApp.json.destination.filterRules).toEqual(TIERS);
    const viaManagement = await management("", {
      method: "POST",
      body: { type: "webhook", name: "Checkout or urgent", config: { url: "http://127.0.0.1:9/" }, filter_rules: CHECKOUT_OR_URGENT },
    });
    const created = (await viaManagement.json()) as { data: { id: string; filter_rules: unknown } };
    expect(viaManagement.status, JSON.stringify(created)).toBe(201);
    expect(created.data.filter_rules).toEqual(CHECKOUT_OR_URGENT);
    expect(((await (await management(`/${created.data.id}`)).json()) as { data: { filter_rules: unknown } }).data.filter_rules).toEqual(CHECKOUT_OR_URGENT);

    const ingest = await fetch(`${server.url}/api/v1/traces`, {
      method: "POST",
      headers: { authorization: `Bearer ${ingestSecret}`, "content-type": "application/json" },
      body: JSON.stringify({ traces: CASES.map((c, i) => traceBody(i, c.trace)) }),
    });
    expect(ingest.status, await ingest.clone().text()).toBe(202);

    // The caller's ids of the traces routed to a destination (stored traces have ids of their own).
    const receivedBy = async (destinationId: string) => {
      const rows = await traceStatuses(destinationId);
      const payloads = await prisma.tracePayload.findMany({ where: { id: { in: rows.map((r) => r.traceId) } }, select: { data: true } });
      return payloads.map((p) => (p.data as { id: string }).id).sort();
    };
    const expected = (pick: (c: (typeof CASES)[number]) => boolean) => CASES.flatMap((c, i) => (pick(c) ? [`gen-meta-${i}`] : [])).sort();
    const tiers = await receivedBy(viaApp.json.destination.id as string);
    const checkoutOrUrgent = await receivedBy(created.data.id);
    expect(tiers).toEqual(expected((c) => c.tiers));
    expect(checkoutOrUrgent).toEqual(expected((c) => c.checkoutOrUrgent));

    // The form's preview runs the same rules over the same traces: the same counts.
    for (const [rules, received] of [[TIERS, tiers], [CHECKOUT_OR_URGENT, checkoutOrUrgent]] as const) {
      const shown = await call(preview.POST, { method: "POST", params: { workspaceId }, body: { filterRules: rules } });
      expect(shown.json).toEqual({ considered: CASES.length, matchingFilters: received.length, routed: received.length });
    }
  });

  it("are refused by both APIs, naming the rule's field, when the key is missing or the comparison has no number", async () => {
    const bad = { enabled: true, groups: [{ logic: "and", rules: [{ field: "metadata.", operator: "equals", value: "x" }] }] };
    const viaApp = await call(list.POST, { method: "POST", params: { workspaceId }, body: { type: "webhook", name: "Bad", config: { url: "http://127.0.0.1:9/" }, filterRules: bad } });
    expect(viaApp.status).toBe(400);
    expect(JSON.stringify(viaApp.json.error.fields)).toContain("filterRules.groups.0.rules.0.field");
    const noNumber = { enabled: true, groups: [{ logic: "and", rules: [{ field: "metadata.priority", operator: "gt", value: "high" }] }] };
    const viaManagement = await management("", { method: "POST", body: { type: "webhook", name: "Bad", config: { url: "http://127.0.0.1:9/" }, filter_rules: noNumber } });
    expect(viaManagement.status).toBe(400);
    expect(JSON.stringify(await viaManagement.json())).toContain("gt compares numbers");
  });
});

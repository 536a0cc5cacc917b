// The routing preview (POST …/destinations/routing-preview): how many of the workspace's recent
// traces unsaved routing settings would match and deliver, computed by the ingest router itself.
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as preview from "@/app/api/workspaces/[workspaceId]/destinations/routing-preview/route";
import { acceptTraces } from "@/lib/ingest";
import { traceInput } from "@/lib/traces/schema";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { apiKeyContext } from "../support/delivery";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const trace = (model: string, session: string) =>
  traceInput.parse({
    model,
    request: { messages: [{ role: "user", content: `hello from ${model}` }] },
    timing: { start: "2026-11-26T12:00:00Z", end: "2026-11-26T12:00:01Z" },
    session_id: session,
  });

let orgId: string;
let otherOrgId: string;
let prodKeyId: string;
let member: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  const owner = await createUser("preview-owner");
  member = await createUser("preview-member");
  orgId = (await createOrganization(owner, "Preview org")).id;
  await addMembership(orgId, member, "member");
  otherOrgId = (await createOrganization(await createUser("preview-outsider"), "Other")).id;
  const prod = await apiKeyContext(orgId, "Production");
  const staging = await apiKeyContext(orgId, "Staging");
  prodKeyId = prod.apiKey.id;
  // 30 gpt-4o traces from Production, 10 claude traces from Staging, 5 test traces that never count.
  await acceptTraces(prod, Array.from({ length: 30 }, (_, i) => trace("openai/gpt-4o", `s-${i}`)));
  await acceptTraces(staging, Array.from({ length: 10 }, (_, i) => trace("anthropic/claude-sonnet-4", `t-${i}`)));
  await acceptTraces(prod, Array.from({ length: 5 }, () => trace("openai/gpt-4o", "test")), { isTest: true });
  actAs(member); // reading is enough: the preview changes nothing
});

const ask = (body: unknown, workspaceId = orgId) => call(preview.POST, { method: "POST", params: { workspaceId }, body });
const modelRule = (value: string) => ({ enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value }] }] });

describe("routing preview", () => {
  it("counts the recent traces the filter rules match", async () => {
    const res = await ask({ filterRules: modelRule("gpt-4o") });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ considered: 40, matchingFilters: 30, routed: 30 });
  });

  it("applies API-key lists and sampling on top of the filters, as ingest does", async () => {
    expect((await ask({ apiKeyExclude: [prodKeyId] })).json).toEqual({ considered: 40, matchingFilters: 40, routed: 10 });
    const sampled = (await ask({ samplingRate: 0.5 })).json as { routed: number };
    expect(sampled.routed).toBeGreaterThan(5);
    expect(sampled.routed).toBeLessThan(35);
    // Deterministic: the same settings give the same answer.
    expect((await ask({ samplingRate: 0.5 })).json).toEqual(sampled);
  });

  it("names the invalid field", async () => {
    const res = await ask({ filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "regex", value: "(a" }] }] } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json.error.fields)).toContain("filterRules.groups.0.rules.0.value");
    expect((await ask({ samplingRate: 0 })).status).toBe(400);
  });

  it("sees only the caller's workspace", async () => {
    expect((await ask({}, otherOrgId)).status).toBe(404);
  });
});

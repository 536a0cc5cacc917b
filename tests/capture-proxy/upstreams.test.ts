// Managing the proxy's upstreams: key encryption and masking, prefix uniqueness, the SSRF guard,
// tenant isolation, audit, and which upstream a model resolves to.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/errors";
import { prisma } from "@/lib/db";
import { createUpstream, deleteUpstream, listUpstreams, resolveUpstream, updateUpstream } from "@/lib/capture-proxy/upstreams";
import { createTestWorkspace, type TestWorkspace } from "../support/direct-routes";

const KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz";
let ws: TestWorkspace;
let other: TestWorkspace;

beforeAll(async () => {
  [ws, other] = await Promise.all([createTestWorkspace("upstreams"), createTestWorkspace("other-tenant")]);
});

afterEach(async () => {
  await prisma.proxyUpstream.deleteMany({});
  process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "true";
});

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("upstream management", () => {
  it("stores the provider key encrypted and only ever shows it masked", async () => {
    const created = await createUpstream(ws.ctx, { name: "OpenAI", baseUrl: "http://127.0.0.1:9/v1/", modelPrefix: "openai/", apiKey: KEY });
    expect(created).toMatchObject({ name: "OpenAI", baseUrl: "http://127.0.0.1:9/v1", modelPrefix: "openai/", apiKey: "sk-p...wxyz", allowPassthroughKey: false });
    const row = await prisma.proxyUpstream.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secrets).not.toContain(KEY);
    expect(JSON.stringify(await listUpstreams(ws.ctx))).not.toContain(KEY);
    expect((await resolveUpstream(ws.ctx.workspace.id, "openai/gpt-4o"))?.apiKey).toBe(KEY);

    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { workspaceId: ws.ctx.workspace.id, action: "upstream.create" } });
    expect(JSON.stringify(audit)).not.toContain(KEY);
    expect(audit.after).toMatchObject({ hasApiKey: true, modelPrefix: "openai/" });
  });

  it("keeps the key when the mask comes back, replaces it with a new value and removes it with null", async () => {
    const { id } = await createUpstream(ws.ctx, { name: "OpenAI", baseUrl: "http://127.0.0.1:9/v1", apiKey: KEY });
    await updateUpstream(ws.ctx, id, { apiKey: "sk-p...wxyz", name: "Renamed" });
    expect(await resolveUpstream(ws.ctx.workspace.id, "gpt-4o")).toMatchObject({ name: "Renamed", apiKey: KEY });
    await updateUpstream(ws.ctx, id, { apiKey: "sk-new-key-0123456789abcdef" });
    expect((await resolveUpstream(ws.ctx.workspace.id, "gpt-4o"))?.apiKey).toBe("sk-new-key-0123456789abcdef");
    const cleared = await updateUpstream(ws.ctx, id, { apiKey: null });
    expect(cleared.apiKey).toBeNull();
    expect((await resolveUpstream(ws.ctx.workspace.id, "gpt-4o"))?.apiKey).toBeNull();
  });

  it("refuses a second upstream with the same model prefix (409 naming modelPrefix)", async () => {
    await createUpstream(ws.ctx, { name: "A", baseUrl: "http://127.0.0.1:9/v1" });
    const err = await apiError(createUpstream(ws.ctx, { name: "B", baseUrl: "http://127.0.0.1:9/v1", modelPrefix: "" }));
    expect(err.status).toBe(409);
    expect(err.fields?.[0].path).toBe("modelPrefix");
    // Another workspace may use the same prefix.
    await expect(createUpstream(other.ctx, { name: "B", baseUrl: "http://127.0.0.1:9/v1" })).resolves.toMatchObject({ modelPrefix: "" });
  });

  it("names the field of invalid input", async () => {
    const err = await apiError(createUpstream(ws.ctx, { name: "", baseUrl: "ftp://example.com" }));
    expect(err.status).toBe(400);
    expect(err.fields?.map((f) => f.path).sort()).toEqual(["baseUrl", "name"]);
  });

  it("applies the SSRF guard to the base URL unless private targets are allowed", async () => {
    process.env.TRACECAST_ALLOW_PRIVATE_TARGETS = "false";
    for (const baseUrl of ["http://127.0.0.1:8080/v1", "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/v1", "http://0x7f000001/v1"]) {
      const err = await apiError(createUpstream(ws.ctx, { name: "Internal", baseUrl }));
      expect(err.status).toBe(400);
      expect(err.fields?.[0].path).toBe("baseUrl");
    }
    expect(await prisma.proxyUpstream.count()).toBe(0);
  });

  it("never touches another workspace's upstream (404)", async () => {
    const theirs = await createUpstream(other.ctx, { name: "Theirs", baseUrl: "http://127.0.0.1:9/v1", apiKey: KEY });
    expect((await apiError(updateUpstream(ws.ctx, theirs.id, { name: "Mine" }))).status).toBe(404);
    expect((await apiError(deleteUpstream(ws.ctx, theirs.id))).status).toBe(404);
    expect(await listUpstreams(ws.ctx)).toEqual([]);
    await deleteUpstream(other.ctx, theirs.id);
    expect(await listUpstreams(other.ctx)).toEqual([]);
  });
});

describe("resolveUpstream", () => {
  it("picks the longest matching prefix, falls back to the default, and strips the prefix", async () => {
    await createUpstream(ws.ctx, { name: "Default", baseUrl: "http://127.0.0.1:9/v1" });
    await createUpstream(ws.ctx, { name: "OpenAI", baseUrl: "http://127.0.0.1:9/v1", modelPrefix: "openai/" });
    await createUpstream(ws.ctx, { name: "OpenAI EU", baseUrl: "http://127.0.0.1:9/v1", modelPrefix: "openai/eu/" });
    const resolve = async (model: string) => {
      const r = await resolveUpstream(ws.ctx.workspace.id, model);
      return r && [r.name, r.model];
    };
    expect(await resolve("openai/gpt-4o")).toEqual(["OpenAI", "gpt-4o"]);
    expect(await resolve("openai/eu/gpt-4o")).toEqual(["OpenAI EU", "gpt-4o"]);
    expect(await resolve("mistral-large")).toEqual(["Default", "mistral-large"]);
    // A model that is only the prefix names no model: the default upstream gets it whole.
    expect(await resolve("openai/")).toEqual(["Default", "openai/"]);
    expect(await resolveUpstream(other.ctx.workspace.id, "openai/gpt-4o")).toBeNull();
  });
});

// The upstream management routes as Next calls them: who may read and change upstreams, and that
// the provider key only ever leaves the server masked.
import { describe, expect, it, vi } from "vitest";
import { DELETE, PATCH } from "@/app/api/workspaces/[workspaceId]/upstreams/[upstreamId]/route";
import { GET, POST } from "@/app/api/workspaces/[workspaceId]/upstreams/route";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { actAs } from "../support/session-mock";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

const KEY = "sk-route-test-key-0123456789abcdef";

describe("upstream routes", () => {
  it("lets an admin create, list, update and delete upstreams, with the key masked in every answer", async () => {
    const owner = await createUser("owner");
    const org = await createOrganization(owner);
    const admin = await createUser("admin");
    await addMembership(org.id, admin, "admin");
    actAs(admin);
    const params = { workspaceId: org.id };

    const created = await call(POST, { method: "POST", params, body: { name: "OpenAI", baseUrl: "http://127.0.0.1:9/v1", modelPrefix: "openai/", apiKey: KEY } });
    expect(created.status).toBe(201);
    expect(created.json.upstream).toMatchObject({ name: "OpenAI", modelPrefix: "openai/", apiKey: "sk-r...cdef", allowPassthroughKey: false });

    const listed = await call(GET, { params });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain(KEY);
    expect(listed.json.upstreams).toHaveLength(1);

    const id = created.json.upstream.id as string;
    const patched = await call(PATCH, { method: "PATCH", params: { ...params, upstreamId: id }, body: { allowPassthroughKey: true, apiKey: "sk-r...cdef" } });
    expect(patched.json.upstream).toMatchObject({ allowPassthroughKey: true, apiKey: "sk-r...cdef" });

    const invalid = await call(PATCH, { method: "PATCH", params: { ...params, upstreamId: id }, body: { baseUrl: "not a url" } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.fields[0].path).toBe("baseUrl");

    expect((await call(DELETE, { method: "DELETE", params: { ...params, upstreamId: id } })).status).toBe(204);
    expect((await call(GET, { params })).json.upstreams).toEqual([]);
  });

  it("refuses members of an organization (403) and hides the workspace from outsiders (404)", async () => {
    const owner = await createUser("owner");
    const org = await createOrganization(owner);
    const member = await createUser("member");
    await addMembership(org.id, member, "member");
    const params = { workspaceId: org.id };

    actAs(member);
    expect((await call(GET, { params })).status).toBe(200);
    const refused = await call(POST, { method: "POST", params, body: { name: "Mine", baseUrl: "http://127.0.0.1:9/v1" } });
    expect(refused.status).toBe(403);

    actAs(await createUser("outsider"));
    expect((await call(GET, { params })).status).toBe(404);
    expect((await call(POST, { method: "POST", params, body: { name: "Theirs", baseUrl: "http://127.0.0.1:9/v1" } })).status).toBe(404);
  });

  it("lets the owner of a personal workspace manage its upstreams", async () => {
    const user = await createUser("solo");
    actAs(user);
    const created = await call(POST, { method: "POST", params: { workspaceId: user.personalWorkspaceId }, body: { name: "Local", baseUrl: "http://127.0.0.1:11434/v1" } });
    expect(created.status).toBe(201);
    expect(created.json.upstream).toMatchObject({ modelPrefix: "", apiKey: null });
  });
});

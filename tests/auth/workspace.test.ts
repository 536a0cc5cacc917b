// requireWorkspace: the page/server-action twin of defineRoute's workspace auth.
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SessionUser } from "@/lib/auth/session-user";
import { requireWorkspace } from "@/lib/auth/workspace";
import type { Workspace } from "@/lib/generated/prisma/client";
import { actAs } from "../support/session-mock";
import { addMembership, createOrganization, createUser } from "../support/accounts";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

// Next defines this at build time when next.config.ts enables experimental.authInterrupts.
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

/** The digest Next gives the error thrown by notFound() / forbidden(). */
async function interruption(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => null, (e: unknown) => e);
  return (err as { digest?: string } | null)?.digest;
}

let owner: SessionUser, plain: SessionUser, stranger: SessionUser;
let org: Workspace;

beforeAll(async () => {
  owner = await createUser("owner");
  plain = await createUser("member");
  stranger = await createUser("stranger");
  org = await createOrganization(owner, "Acme");
  await addMembership(org.id, plain, "member");
});

describe("requireWorkspace", () => {
  it("returns the user, workspace and membership when the role allows the permission", async () => {
    actAs(plain);
    const ctx = await requireWorkspace(org.id, "apiKeys:read");
    expect(ctx).toMatchObject({ user: { id: plain.id }, workspace: { id: org.id, kind: "organization" }, membership: { role: "member" } });
  });

  it("calls forbidden() when the role lacks the permission", async () => {
    actAs(plain);
    expect(await interruption(requireWorkspace(org.id, "apiKeys:manage"))).toMatch(/;403$/);
  });

  it("calls notFound() for non-members and unknown workspaces alike", async () => {
    actAs(stranger);
    expect(await interruption(requireWorkspace(org.id, "workspace:read"))).toMatch(/;404$/);
    expect(await interruption(requireWorkspace("no-such-workspace", "workspace:read"))).toMatch(/;404$/);
  });
});

// Accounts and workspaces for tests, made with the same provisioning code as sign-up, plus a way
// to call route handlers the way Next does.
import { NextRequest } from "next/server";
import type { SessionUser } from "@/lib/auth/session-user";
import { prisma } from "@/lib/db";
import type { Role, Workspace } from "@/lib/generated/prisma/client";
import { createOrganizationWorkspace, createUserWithPersonalWorkspace } from "@/lib/workspaces/provision";

let counter = 0;

/** A user (no password: route tests do not sign in through Auth.js) with their personal workspace. */
export async function createUser(label: string): Promise<SessionUser & { personalWorkspaceId: string }> {
  const email = `${label}-${++counter}@example.com`;
  const user = await prisma.$transaction((tx) => createUserWithPersonalWorkspace(tx, { email, name: label }));
  const personal = await prisma.membership.findFirstOrThrow({ where: { userId: user.id, workspace: { kind: "personal" } } });
  return { id: user.id, email: user.email, name: user.name, personalWorkspaceId: personal.workspaceId };
}

export async function createOrganization(owner: SessionUser, name = "Org"): Promise<Workspace> {
  return prisma.$transaction((tx) => createOrganizationWorkspace(tx, owner, name));
}

export async function addMembership(workspaceId: string, user: SessionUser, role: Role) {
  return prisma.membership.create({ data: { workspaceId, userId: user.id, role } });
}

type RouteHandler = (req: NextRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type Call = {
  method?: string;
  params?: Record<string, string>;
  body?: unknown;
  search?: Record<string, string>;
  /** Extra request headers (Origin, Sec-Fetch-Site…). */
  headers?: Record<string, string>;
};

/** Calls a route handler as Next would; returns the status and the parsed JSON body. */
export async function call(handler: RouteHandler, { method = "GET", params = {}, body, search, headers = {} }: Call = {}) {
  const url = new URL("http://127.0.0.1/api/test");
  for (const [k, v] of Object.entries(search ?? {})) url.searchParams.set(k, v);
  const req = new NextRequest(url, {
    method,
    ...(body === undefined
      ? { headers }
      : { body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } }),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

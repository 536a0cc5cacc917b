// The management API's real route handlers behind a node:http server on 127.0.0.1 (port 0), so an
// HTTP client (the official OpenRouter SDK, fetch) talks to them as to a deployed instance.
import http from "node:http";
import type { AddressInfo } from "node:net";
import * as collection from "@/app/api/v1/observability/destinations/route";
import * as item from "@/app/api/v1/observability/destinations/[id]/route";
import * as traces from "@/app/api/v1/traces/route";
import { prisma } from "@/lib/db";
import { createManagementKey } from "@/lib/api-keys/management";
import { findMembership } from "@/lib/auth/workspace";
import type { SessionUser } from "@/lib/auth/session-user";

type Handler = (req: Request, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** path → its handlers by method, and the route params the path carries. */
function resolve(pathname: string): { handlers: Record<string, unknown>; params: Record<string, string> } | null {
  if (pathname === "/api/v1/observability/destinations") return { handlers: collection, params: {} };
  const one = /^\/api\/v1\/observability\/destinations\/([^/]+)$/.exec(pathname);
  if (one) return { handlers: item, params: { id: decodeURIComponent(one[1]) } };
  if (pathname === "/api/v1/traces") return { handlers: traces, params: {} };
  return null;
}

export type ApiServer = { url: string; close(): Promise<void> };

export async function serveManagementApi(): Promise<ApiServer> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = resolve(url.pathname);
    const handler = route?.handlers[req.method ?? "GET"] as Handler | undefined;
    if (!route || !handler) return void res.writeHead(404, { "content-type": "text/plain" }).end("no such route");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const request = new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const response = await handler(request, { params: Promise.resolve(route.params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A management key made by `user` in the workspace (as Settings › API keys makes it). */
export async function managementKeyOf(user: SessionUser, workspaceId: string, name = "Automation"): Promise<string> {
  const ctx = await findMembership(user, workspaceId);
  if (!ctx) throw new Error(`${user.email} is not a member of ${workspaceId}`);
  return (await createManagementKey(ctx, { name })).secret;
}

export const destinationCount = (workspaceId: string) => prisma.destination.count({ where: { workspaceId, deletedAt: null } });

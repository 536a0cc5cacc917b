// Test harness for the capture proxy: a real HTTP server in front of the exported route handler
// (so the official openai client talks HTTP to it, as it would to `next start`), and a workspace
// with an API key and upstreams.
import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { DIRECT_POST_ROUTES } from "@/app/api/v1/direct-routes";
import { issueApiKey } from "@/lib/api-keys/keys";
import { createDirectRoutes, type DirectRoutes } from "@/lib/api/direct-routes";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { settleProxyTraces } from "@/lib/capture-proxy/trace";
import { createUpstream } from "@/lib/capture-proxy/upstreams";
import type { Trace } from "@/lib/traces/schema";
import { DEFAULT_REPLY, startOpenAiUpstream, type OpenAiUpstream } from "../receivers/openai-upstream";

export type RouteServer = { url: string; close(): Promise<void> };

/**
 * Direct routes over node:http through the adapter scripts/server.mjs uses (lib/api/direct-routes.ts):
 * by default the production table (ingestion and the proxy). What they leave to Next.js answers 404
 * with `x-served-by: fallback`.
 */
export async function serveDirectRoutes(routes: DirectRoutes = createDirectRoutes(DIRECT_POST_ROUTES)): Promise<RouteServer> {
  const server = http.createServer((req, res) => {
    if (!routes.serve(req, res)) res.writeHead(404, { "x-served-by": "fallback" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export type TestWorkspace = { ctx: WorkspaceContext; apiKey: string };

/** A personal workspace with its owner and one API key named "Proxy tests". */
export async function createTestWorkspace(label: string): Promise<TestWorkspace> {
  const user = await prisma.user.create({ data: { email: `${label}-${Date.now()}@example.test`, name: label } });
  const workspace = await prisma.workspace.create({ data: { name: label, kind: "personal" } });
  const membership = await prisma.membership.create({ data: { workspaceId: workspace.id, userId: user.id, role: "owner" } });
  const { secret } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId: workspace.id, name: "Proxy tests", actor: user }));
  return { ctx: { user: { id: user.id, email: user.email, name: user.name }, workspace, membership }, apiKey: secret };
}

/** The traces stored for the workspace, oldest first. */
export async function storedTraces(workspaceId: string): Promise<Trace[]> {
  const rows = await prisma.tracePayload.findMany({ where: { workspaceId }, orderBy: { receivedAt: "asc" } });
  return rows.map((r) => r.data as unknown as Trace);
}

export type ProxyFixture = {
  proxy: RouteServer;
  upstream: OpenAiUpstream;
  ws: TestWorkspace;
  /** The official client, pointed at the proxy with the workspace's key (no retries: a retried 429 would hide the first answer). */
  client: OpenAI;
  /** The one trace the test's call stored (after waiting for its recording). */
  onlyTrace(): Promise<Trace>;
};

/**
 * Per test file: the proxy's routes served over HTTP as in production, a local upstream registered as the workspace's
 * "OpenAI" upstream (prefix "openai/", stored key `providerKey`), and a clean slate after each test.
 */
export function useProxyFixture(label: string, providerKey: string): ProxyFixture {
  const fx = {} as ProxyFixture;
  beforeAll(async () => {
    [fx.proxy, fx.upstream, fx.ws] = await Promise.all([serveDirectRoutes(), startOpenAiUpstream(), createTestWorkspace(label)]);
    await createUpstream(fx.ws.ctx, { name: "OpenAI", baseUrl: fx.upstream.url, modelPrefix: "openai/", apiKey: providerKey });
    fx.client = new OpenAI({ apiKey: fx.ws.apiKey, baseURL: `${fx.proxy.url}/api/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await Promise.all([fx.proxy?.close(), fx.upstream?.close()]);
  });
  afterEach(async () => {
    await settleProxyTraces();
    fx.upstream.reply = DEFAULT_REPLY;
    fx.upstream.received.length = 0;
    fx.upstream.sentEvents.length = 0;
    fx.upstream.sentBodies.length = 0;
    await prisma.tracePayload.deleteMany({});
  });
  fx.onlyTrace = async () => {
    await settleProxyTraces();
    const traces = await storedTraces(fx.ws.ctx.workspace.id);
    expect(traces).toHaveLength(1);
    return traces[0];
  };
  return fx;
}

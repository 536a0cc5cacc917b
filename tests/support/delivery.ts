// Shared fixtures of the delivery tests: a programmable HTTP receiver on 127.0.0.1 (port 0), and
// workspaces / destinations / queued traces written the way the app writes them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { prisma } from "@/lib/db";
import { issueApiKey } from "@/lib/api-keys/keys";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { getDefinition } from "@/lib/destinations/registry";
import { sealSecrets, splitSecrets } from "@/lib/broadcast/stored-config";
import type { DestinationDefinition } from "@/lib/destinations/types";
import type { Prisma } from "@/lib/generated/prisma/client";
import { traceStatuses } from "@/lib/delivery/status";
import { sampleTrace } from "@/lib/traces/fixtures";
import type { Trace } from "@/lib/traces/schema";

export type ReceivedRequest = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
export type ReceiverHandler = (req: ReceivedRequest, res: http.ServerResponse) => void;

export type Receiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** What the receiver answers; default 200 "ok". */
  handle(handler: ReceiverHandler): void;
  close(): Promise<void>;
};

export async function startReceiver(port = 0): Promise<Receiver> {
  let handler: ReceiverHandler = (_req, res) => res.end("ok");
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      handler(received, res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    handle: (h) => (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (connection refused), that a receiver can later be started on. */
export async function freePort(): Promise<number> {
  const probe = await startReceiver();
  await probe.close();
  return probe.port;
}

export async function createWorkspace(kind: "personal" | "organization" = "personal", name = "Acme") {
  return prisma.workspace.create({ data: { name, kind } });
}

/** An API-key context for acceptTraces, like the ingest route builds. */
export async function apiKeyContext(workspaceId: string, name = "Production"): Promise<ApiKeyContext> {
  const { apiKey } = await prisma.$transaction((tx) => issueApiKey(tx, { workspaceId, name, actor: null }));
  const workspace = await prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  return { apiKey: { id: apiKey.id, name: apiKey.name, workspaceId }, workspace };
}

/** Stores a destination as the service does: plain config as JSON, secrets encrypted for its id. */
/** A destination's three generation-metadata switches on (off by default): cost split, caller identity, request context. */
export const SEND_GENERATION_METADATA = { broadcastGenerationCost: true, broadcastGenerationIdentity: true, broadcastGenerationRequestContext: true } as const;

export async function createDestinationRow(
  workspaceId: string,
  type: string,
  config: Record<string, unknown>,
  extra: Partial<Prisma.DestinationUncheckedCreateInput> = {},
  definition?: DestinationDefinition,
) {
  const def = definition ?? getDefinition(type);
  if (!def) throw new Error(`no definition for ${type}`);
  const { plain, secrets } = splitSecrets(def, config);
  const row = await prisma.destination.create({
    data: { workspaceId, type, name: `${type} destination`, config: plain as Prisma.InputJsonObject, ...extra },
  });
  return prisma.destination.update({ where: { id: row.id }, data: { secrets: sealSecrets(row.id, secrets) } });
}

let traceCounter = 0;

/** Stores traces and queues one delivery per (trace, destination), as ingest does. Returns delivery ids. */
export async function enqueue(
  workspaceId: string,
  destinationIds: string[],
  count: number,
  opts: { receivedAt?: Date; trace?: Partial<Trace> } = {},
): Promise<string[]> {
  const receivedAt = opts.receivedAt ?? new Date();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `gen-test-${++traceCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const trace = sampleTrace({ id, received_at: receivedAt.toISOString(), ...opts.trace });
    await prisma.tracePayload.create({
      data: { id, workspaceId, data: trace as unknown as Prisma.InputJsonObject, sizeBytes: Buffer.byteLength(JSON.stringify(trace)), receivedAt },
    });
    for (const destinationId of destinationIds) {
      const d = await prisma.delivery.create({ data: { traceId: id, destinationId, workspaceId, nextAttemptAt: receivedAt, createdAt: receivedAt } });
      ids.push(d.id);
    }
  }
  return ids;
}

/** Makes every pending delivery of a destination due now (as if its backoff, and its circuit's delay, had elapsed). */
export async function makeDue(destinationId: string) {
  const past = new Date(Date.now() - 1);
  await prisma.delivery.updateMany({ where: { destinationId, status: "pending" }, data: { nextAttemptAt: past } });
  await prisma.destination.updateMany({ where: { id: destinationId, circuitOpenUntil: { not: null } }, data: { circuitOpenUntil: past } });
}

export async function deliveriesOf(destinationId: string) {
  return prisma.delivery.findMany({ where: { destinationId }, orderBy: { createdAt: "asc" } });
}

/** The status of every trace at the destination (lib/delivery/status.ts: exception rows and the log), oldest first. */
export async function statusesOf(destinationId: string): Promise<string[]> {
  return (await traceStatuses(destinationId)).map((s) => s.status);
}

/** Moves the traces routed to the destination (and its exception rows) `ms` into the past, as if queued then. */
export async function ageTraces(destinationId: string, ms: number) {
  const at = new Date(Date.now() - ms);
  await prisma.$executeRaw`UPDATE "TracePayload" SET "receivedAt" = ${at} WHERE routes ? ${destinationId}`;
  await prisma.delivery.updateMany({ where: { destinationId }, data: { createdAt: at, nextAttemptAt: at } });
}

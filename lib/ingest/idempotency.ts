// Idempotency-Key on POST /api/v1/traces: a client that retries after losing the answer (a dropped
// connection, a timeout) sends the same key again and gets the first answer again (same status,
// same ids) without anything being stored twice. Keys are per API key and kept at least
// IDEMPOTENCY_KEY_RETENTION_MS. The key row is written in the same statement as the traces
// (lib/ingest/index.ts, INSERT_TRACES_ONCE), so two requests with one key in flight at once, in
// one process or several, store once: the second finds the first's answer. Only accepted requests
// are remembered: a request refused with a 4xx stored nothing, and may be sent again with its key.
import { z } from "zod";
import { ApiError, validationError } from "@/lib/errors";
import { JsonReply } from "@/lib/api/reply";
import type { RouteRequest } from "@/lib/api/route";
import type { ApiKeyContext } from "@/lib/api-keys/context";
import { prisma } from "@/lib/db";
import { IDEMPOTENCY_KEY_RETENTION_MS } from "@/lib/delivery/retention";
import { sha256Hex } from "@/lib/hash";
import { acceptTraces, type AcceptOptions } from "@/lib/ingest";
import type { ParsedTraceInput } from "@/lib/traces/schema";


export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

const idempotencyKey = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "may only contain visible ASCII characters (no spaces), e.g. a UUID");

/** The request's Idempotency-Key, or undefined when it sends none; a malformed one is a 400 naming the header. */
export function idempotencyKeyOf(req: RouteRequest): string | undefined {
  const header = req.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (header === null) return undefined;
  const parsed = idempotencyKey.safeParse(header);
  if (!parsed.success) throw validationError(parsed.error, "headers", [IDEMPOTENCY_KEY_HEADER]);
  return parsed.data;
}

type StoredAnswer = { bodyHash: string; status: number; answer: unknown };

/** Stores the traces once per (API key, Idempotency-Key) and answers 202 {ids}, the first time and on every retry. */
export async function acceptTracesOnce(
  ctx: ApiKeyContext,
  inputs: ParsedTraceInput[],
  opts: Omit<AcceptOptions, "idempotency">,
  key: string,
): Promise<JsonReply> {
  // The parsed body (formatting does not matter) and the headers that change what is stored (the
  // session; the app's, only when sent, so hashes stored before they were recorded still match).
  const caller = Object.values(opts.caller ?? {}).some((v) => v !== undefined) ? [opts.caller] : [];
  const bodyHash = sha256Hex(JSON.stringify([inputs, opts.headerSessionId ?? null, ...caller]));
  const earlier = await storedAnswer(ctx.apiKey.id, key);
  if (earlier) return replay(earlier, bodyHash);
  const { ids, stored } = await acceptTraces(ctx, inputs, { ...opts, idempotency: { key, bodyHash } });
  if (stored) return new JsonReply({ ids }, 202);
  // A request with the same key was committed first (concurrently): its answer is ours.
  const first = await storedAnswer(ctx.apiKey.id, key);
  if (!first) throw new Error(`Idempotency-Key of API key ${ctx.apiKey.id} was neither stored nor found`);
  return replay(first, bodyHash);
}

function storedAnswer(apiKeyId: string, key: string): Promise<StoredAnswer | null> {
  return prisma.idempotencyKey.findUnique({ where: { apiKeyId_key: { apiKeyId, key } }, select: { bodyHash: true, status: true, answer: true } });
}

function replay(stored: StoredAnswer, bodyHash: string): JsonReply {
  if (stored.bodyHash !== bodyHash) {
    const message = "was already used with a different request body: send a new key for a new request";
    throw new ApiError(422, "idempotency_key_reused", `Idempotency-Key ${message}`, [{ path: IDEMPOTENCY_KEY_HEADER, message }]);
  }
  return new JsonReply(stored.answer, stored.status, { "Idempotent-Replayed": "true" });
}

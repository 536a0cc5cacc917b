// Growing delays after failed password sign-ins (issue 18.6): without them a password could be
// guessed at the speed of argon2. Each attempt is counted under three keys, each with its own
// allowance of free failures, after which every further failure blocks the key for twice as long
// as the one before (1 s, 2 s, 4 s… at most MAX_BLOCK_SECONDS):
//   pair     this account from this client address: the usual single-machine guesser;
//   address  this client address, any account: one machine trying many accounts;
//   account  this account from anywhere: many machines (or a forged X-Forwarded-For) on one account.
// While a key is blocked its attempts are refused before the password is checked, and they are not
// counted, so hammering does not lengthen the block: a block always ends at most MAX_BLOCK_SECONDS
// after the last counted failure. A legitimate user is only kept out by the account key, which
// needs far more failures than the pair key, so an attacker on one address locks out nobody but
// that address; failures are forgotten a day after the last one, and a successful sign-in clears
// the account's and the pair's counts.
//
// Counted in the database (shared by every server process, kept across restarts), not in a
// workspace: a failed sign-in belongs to no workspace. When an account's block starts, the
// server log says so and every workspace the account belongs to gets an audit event, so its
// admins see that someone is guessing a member's password; single attempts are not audited, so an
// attacker cannot flood the audit log.
import "server-only";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

type Rule = { kind: "pair" | "address" | "account"; freeFailures: number };
const RULES: readonly Rule[] = [
  { kind: "pair", freeFailures: 5 },
  { kind: "address", freeFailures: 20 },
  { kind: "account", freeFailures: 50 },
];
export const MAX_BLOCK_SECONDS = 15 * 60;
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export type SignInAttempt = { email: string; address: string };

/** Refused without checking the password: the key is blocked until `retryAt`. */
export class SignInBlocked extends Error {
  constructor(readonly retryAt: Date) {
    super(`Too many failed sign-ins: blocked until ${retryAt.toISOString()}`);
  }
}

function keysOf({ email, address }: SignInAttempt): { rule: Rule; key: string }[] {
  const value = { pair: `${email} ${address}`, address, account: email };
  return RULES.map((rule) => ({ rule, key: `${rule.kind}:${value[rule.kind]}` }));
}

/** Seconds a key is blocked after its nth failure (1-based). */
export function blockSeconds(failures: number, freeFailures: number): number {
  if (failures <= freeFailures) return 0;
  return Math.min(MAX_BLOCK_SECONDS, 2 ** (failures - freeFailures - 1));
}

type Row = { key: string; failures: number; lastFailureAt: Date; blockedUntil: Date | null };

/**
 * Counts the attempt as a failure before the password is checked (so parallel attempts cannot
 * all slip in before the first failure is written), or throws SignInBlocked when a key is blocked.
 * Call `succeeded` when the password was right.
 */
export async function chargeSignInAttempt(attempt: SignInAttempt, now = new Date()): Promise<void> {
  const keys = keysOf(attempt);
  const startedBlocks = await prisma.$transaction(async (tx) => {
    await tx.signInThrottle.createMany({ data: keys.map(({ key }) => ({ key, lastFailureAt: now })), skipDuplicates: true });
    const rows = await tx.$queryRaw<Row[]>`
      SELECT "key", "failures", "lastFailureAt", "blockedUntil" FROM "SignInThrottle"
      WHERE "key" IN (${Prisma.join(keys.map((k) => k.key))}) ORDER BY "key" FOR UPDATE`;
    const blockedUntil = rows.map((r) => r.blockedUntil).filter((d): d is Date => d !== null && d > now);
    if (blockedUntil.length) throw new SignInBlocked(new Date(Math.max(...blockedUntil.map((d) => d.getTime()))));
    const started: { rule: Rule; failures: number; until: Date }[] = [];
    for (const { rule, key } of keys) {
      const row = rows.find((r) => r.key === key)!;
      const failures = (now.getTime() - row.lastFailureAt.getTime() > FORGET_AFTER_MS ? 0 : row.failures) + 1;
      const seconds = blockSeconds(failures, rule.freeFailures);
      const until = seconds ? new Date(now.getTime() + seconds * 1000) : null;
      await tx.signInThrottle.update({ where: { key }, data: { failures, lastFailureAt: now, blockedUntil: until } });
      if (until && failures === rule.freeFailures + 1) started.push({ rule, failures, until });
    }
    return started;
    // A burst of attempts queues here for its turn (one row lock per key); none may fail for waiting.
  }, { maxWait: 15_000, timeout: 15_000 });
  for (const block of startedBlocks) await reportBlock(attempt, block);
}

/** The password was right: the account's and the pair's failures are forgotten, the address's attempt uncounted. */
export async function signInSucceeded(attempt: SignInAttempt): Promise<void> {
  const [pair, address, account] = keysOf(attempt).map((k) => k.key);
  await prisma.$transaction([
    prisma.signInThrottle.deleteMany({ where: { key: { in: [pair, account] } } }),
    prisma.signInThrottle.updateMany({ where: { key: address, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } }),
  ]);
}

/** A key's first block: one server log line, and an audit event in the account's workspaces. */
async function reportBlock(attempt: SignInAttempt, block: { rule: Rule; failures: number; until: Date }) {
  console.warn(
    `[auth] ${block.failures} failed sign-ins (${block.rule.kind}) for ${attempt.email} from ${attempt.address}: further attempts are delayed, the next one until ${block.until.toISOString()}`,
  );
  if (block.rule.kind === "address") return;
  const user = await prisma.user.findUnique({ where: { email: attempt.email }, select: { memberships: { select: { workspaceId: true } } } });
  for (const { workspaceId } of user?.memberships ?? []) {
    await recordAudit(prisma, {
      workspaceId,
      actor: null,
      action: "account.sign_in_throttled",
      targetType: "account",
      targetId: attempt.email,
      after: { email: attempt.email, address: attempt.address, scope: block.rule.kind, failures: block.failures, blockedUntil: block.until.toISOString() },
    });
  }
}

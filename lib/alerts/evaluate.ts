// Delivery alerts (issue 24.4): a workspace's admins hear when a destination starts failing, is
// paused automatically, or holds a delivery pending for longer than the workspace's backlog
// threshold, and again when it recovers.
//
// Each destination's alert state is derived from its health (what lib/delivery/health.ts records)
// and compared with what the last notification said (DestinationAlert). A change is announced at
// most once per QUIET_PERIOD_MS per destination: a destination that flaps between failing and
// healthy produces one alert, then (once the quiet period is over) one message with where it ended
// up, not one per flap. Changes found in one evaluation go out as one message per workspace.
// Pausing, disabling or deleting a destination closes its alert without a message: a person did it.
//
// All of this runs off the delivery path: the hooks below only note a destination id and return;
// the evaluation, the email and the webhook run later, detached from any drain (lib/alerts/hooks.ts).
import "server-only";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db";
import { waitingInLog } from "@/lib/delivery/status";
import { Prisma } from "@/lib/generated/prisma/client";
import { sendAlert, type ChannelOutcomes } from "./notify";
import { openAlerts } from "./open";
import { DEFAULT_BACKLOG_MINUTES } from "./settings";

export const ALERT_STATES = ["ok", "failing", "auto_paused", "backlog"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Consecutive failed attempts after which a destination counts as failing (one failure is often a blip the retries absorb). */
export const FAILING_AFTER_ATTEMPTS = 3;
/** At most one notification per destination in this long. */
export const QUIET_PERIOD_MS = 15 * 60 * 1000;

type Candidate = {
  id: string;
  workspaceId: string;
  workspaceName: string;
  name: string;
  status: "active" | "paused" | "auto_paused";
  enabled: boolean;
  deletedAt: Date | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  lastError: string | null;
  oldestPending: Date | null;
  backlogMinutes: number | null;
  alertState: AlertState | null;
  notifiedState: AlertState;
  notifiedAt: Date | null;
};

/** A person paused, disabled or deleted it: no alert, and no "recovered" message. */
const heldByPerson = (d: Candidate) => d.deletedAt !== null || !d.enabled || d.status === "paused";

function stateOf(d: Candidate, now: Date): AlertState {
  if (d.status === "auto_paused") return "auto_paused";
  if (d.consecutiveFailures >= FAILING_AFTER_ATTEMPTS) return "failing";
  if (d.backlogMinutes !== null && d.oldestPending && now.getTime() - d.oldestPending.getTime() > d.backlogMinutes * 60_000) return "backlog";
  return "ok";
}

const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

/** One line per change, for the email and the webhook. */
function describe(d: Candidate, state: AlertState, now: Date): string {
  switch (state) {
    case "failing":
      return `• ${d.name} is failing: ${d.consecutiveFailures} attempts in a row${d.failingSince ? ` since ${d.failingSince.toISOString()}` : ""}. Last error: ${d.lastError ?? "unknown"}`;
    case "auto_paused":
      return `• ${d.name} was paused automatically after failing${d.failingSince ? ` since ${d.failingSince.toISOString()}` : ""}. Its traces are kept and wait for Resume. Last error: ${d.lastError ?? "unknown"}`;
    case "backlog":
      return `• ${d.name} has a delivery pending for ${minutes(now.getTime() - d.oldestPending!.getTime())} (threshold ${d.backlogMinutes} min).`;
    case "ok":
      return `• ${d.name} has recovered: delivering again.`;
  }
}

function subjectOf(workspaceName: string, changes: { state: AlertState }[]): string {
  const bad = changes.filter((c) => c.state !== "ok").length;
  if (bad === 0) return `Tracecast: ${changes.length === 1 ? "a destination has" : `${changes.length} destinations have`} recovered in ${workspaceName}`;
  return `Tracecast: ${bad === 1 ? "a destination needs" : `${bad} destinations need`} attention in ${workspaceName}`;
}

/**
 * SQL: the oldest log trace waiting for destination `d` (first deliveries wait in the log, not as
 * Delivery rows: lib/delivery/log.ts): the first past its cursor, read through the log's index.
 */
const OLDEST_IN_LOG = Prisma.sql`(SELECT w."receivedAt" FROM ${waitingInLog(Prisma.sql`d."workspaceId"`, Prisma.sql`d.id`, 1)} w)`;

async function candidates(where: Prisma.Sql): Promise<Candidate[]> {
  // The oldest pending delivery only for destinations whose workspace has a backlog threshold.
  return prisma.$queryRaw<Candidate[]>`
    SELECT d.id, d."workspaceId", w.name AS "workspaceName", d.name, d.status::text AS status, d.enabled, d."deletedAt",
           d."consecutiveFailures", d."failingSince", d."lastError",
           CASE WHEN s."workspaceId" IS NULL THEN ${DEFAULT_BACKLOG_MINUTES}::int ELSE s."backlogMinutes" END AS "backlogMinutes",
           a.state AS "alertState", COALESCE(a."notifiedState", 'ok') AS "notifiedState", a."notifiedAt",
           CASE WHEN (s."workspaceId" IS NULL OR s."backlogMinutes" IS NOT NULL) AND d.status = 'active' AND d.enabled AND d."deletedAt" IS NULL
                THEN LEAST((SELECT min(x."createdAt") FROM "Delivery" x WHERE x."destinationId" = d.id AND x.status IN ('pending', 'in_flight')),
                           ${OLDEST_IN_LOG})
           END AS "oldestPending"
      FROM "Destination" d
      JOIN "Workspace" w ON w.id = d."workspaceId"
      LEFT JOIN "AlertSettings" s ON s."workspaceId" = d."workspaceId"
      LEFT JOIN "DestinationAlert" a ON a."destinationId" = d.id
     WHERE ${where}`;
}

export type Announcement = { workspaceId: string; changes: { destinationId: string; name: string; from: AlertState; to: AlertState }[]; channels: ChannelOutcomes };

/**
 * Evaluates the given destinations (or, without ids, every destination that may have something to
 * say: an alert open, failing, auto-paused or with pending deliveries) and announces what changed.
 */
export async function evaluateAlerts(opts: { destinationIds?: string[]; now?: Date } = {}): Promise<Announcement[]> {
  const now = opts.now ?? new Date();
  const where = opts.destinationIds
    ? opts.destinationIds.length ? Prisma.sql`d.id IN (${Prisma.join(opts.destinationIds)})` : Prisma.sql`FALSE`
    : Prisma.sql`(a.state <> 'ok' OR a."notifiedState" <> 'ok' OR d.status = 'auto_paused' OR d."consecutiveFailures" >= ${FAILING_AFTER_ATTEMPTS}
                  OR EXISTS (SELECT 1 FROM "Delivery" x WHERE x."destinationId" = d.id AND x.status IN ('pending', 'in_flight'))
                  OR ${OLDEST_IN_LOG} IS NOT NULL)`;
  const byWorkspace = new Map<string, { name: string; changes: { d: Candidate; state: AlertState }[] }>();
  for (const d of await candidates(where)) {
    const state = heldByPerson(d) ? "ok" : stateOf(d, now);
    const announce = !heldByPerson(d) && state !== d.notifiedState && (!d.notifiedAt || now.getTime() - d.notifiedAt.getTime() >= QUIET_PERIOD_MS);
    const notifiedState = heldByPerson(d) ? "ok" : announce ? state : d.notifiedState;
    if (state === d.alertState && notifiedState === d.notifiedState) {
      trackOpen(d.id, state, notifiedState);
      continue;
    }
    // Compare-and-set on what was read: of two processes evaluating the same change, one announces it.
    const claimed = await claim(d, state, notifiedState, announce ? now : d.notifiedAt);
    if (!claimed) continue;
    trackOpen(d.id, state, notifiedState);
    if (!announce) continue;
    const entry = byWorkspace.get(d.workspaceId) ?? { name: d.workspaceName, changes: [] };
    entry.changes.push({ d, state });
    byWorkspace.set(d.workspaceId, entry);
  }
  const announcements: Announcement[] = [];
  for (const [workspaceId, { name, changes }] of byWorkspace) {
    const message = {
      subject: subjectOf(name, changes),
      text: [...changes.map((c) => describe(c.d, c.state, now)), "", "Open Settings › Observability in Tracecast for the delivery log."].join("\n"),
    };
    const channels = await sendAlert(workspaceId, message);
    if (!channels) continue;
    const summary = changes.map(({ d, state }) => ({ destinationId: d.id, name: d.name, from: d.notifiedState, to: state }));
    await recordAudit(prisma, {
      workspaceId,
      actor: null,
      action: "alert.send",
      targetType: "workspace",
      targetId: workspaceId,
      after: { subject: message.subject, changes: summary, channels },
    });
    announcements.push({ workspaceId, changes: summary, channels });
  }
  return announcements;
}

function trackOpen(destinationId: string, state: AlertState, notifiedState: AlertState) {
  if (state === "ok" && notifiedState === "ok") openAlerts.delete(destinationId);
  else openAlerts.add(destinationId);
}

async function claim(d: Candidate, state: AlertState, notifiedState: AlertState, notifiedAt: Date | null): Promise<boolean> {
  if (d.alertState === null) {
    const created = await prisma.destinationAlert.createMany({
      data: [{ destinationId: d.id, workspaceId: d.workspaceId, state, notifiedState, notifiedAt }],
      skipDuplicates: true,
    });
    return created.count === 1;
  }
  const updated = await prisma.destinationAlert.updateMany({
    where: { destinationId: d.id, state: d.alertState, notifiedState: d.notifiedState, notifiedAt: d.notifiedAt },
    data: { state, notifiedState, notifiedAt },
  });
  return updated.count === 1;
}

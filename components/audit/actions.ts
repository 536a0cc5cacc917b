// How audit actions read in the log. Actions are "<targetType>.<verb>" (lib/audit.ts); ones not
// listed here (added by newer features) are shown as they are and can still be filtered on.
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  "workspace.create": "Workspace created",
  "workspace.update": "Workspace renamed",
  "member.add": "Member added",
  "member.role_change": "Role changed",
  "member.remove": "Member removed",
  "member.leave": "Member left",
  "invite.create": "Invite link created",
  "invite.revoke": "Invite link revoked",
  "invite.accept": "Invite accepted",
  "apiKey.create": "API key created",
  "apiKey.revoke": "API key revoked",
  "managementKey.create": "Management key created",
  "managementKey.revoke": "Management key revoked",
  "broadcast.set": "Broadcast switched",
  "destination.create": "Destination created",
  "destination.update": "Destination updated",
  "destination.delete": "Destination deleted",
  "destination.pause": "Destination paused",
  "destination.resume": "Destination resumed",
  "destination.test": "Destination connection tested",
  "destination.auto_pause": "Destination paused automatically",
  "destination.retry_failed": "Failed deliveries retried",
  "destination.replay": "Traces replayed",
  "destination.requeue_trace": "Trace sent again",
  "account.sign_in_throttled": "Sign-ins delayed after failed attempts",
  "credentials.rotate": "Credentials re-encrypted (key rotation)",
  "changeRequest.propose": "Change proposed",
  "changeRequest.approve": "Change approved",
  "changeRequest.reject": "Change rejected",
  "changeRequest.withdraw": "Change withdrawn",
  "changeRequest.conflict": "Change request conflicted",
};

/** The kinds of target events name, for the target filter. */
export const AUDIT_TARGET_TYPES: Record<string, string> = {
  workspace: "Workspace",
  destination: "Destination",
  changeRequest: "Change request",
  apiKey: "API key",
  managementKey: "Management key",
  membership: "Member",
  invite: "Invite",
  upstream: "Proxy upstream",
  account: "Account",
};

export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}

/** The action as a sentence; the Broadcast switch says which way it went. */
export function auditEventTitle(event: { action: string; after?: unknown }): string {
  if (event.action === "broadcast.set" && isRecord(event.after) && typeof event.after.broadcastEnabled === "boolean") {
    return `Broadcast turned ${event.after.broadcastEnabled ? "on" : "off"}`;
  }
  return auditActionLabel(event.action);
}

/** A short human description of the target: its name when the event was written, else from the snapshots. */
export function auditTargetSummary(event: { targetType: string; targetId: string | null; targetName?: string | null; before?: unknown; after?: unknown }): string {
  if (event.targetName) return event.targetName;
  const snapshot = (isRecord(event.after) ? event.after : null) ?? (isRecord(event.before) ? event.before : null);
  for (const key of ["name", "email", "prefix", "title"] as const) {
    const value = snapshot?.[key];
    if (typeof value === "string" && value) return value;
  }
  return event.targetId ?? event.targetType;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

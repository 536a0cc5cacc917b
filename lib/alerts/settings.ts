// Where a workspace's delivery alerts go: an email to its admins (owners and admins) and a
// Slack-compatible incoming webhook. The webhook URL is a credential (anyone holding it can post
// to the channel): it is stored encrypted like destination secrets and shown masked; it is checked
// by the SSRF guard when saved and again on the address connected to when used (lib/alerts/notify.ts).
import "server-only";
import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { decryptJson, encryptJson, type SecretOwner } from "@/lib/crypto/keyring";
import { prisma } from "@/lib/db";
import { DeliveryError } from "@/lib/outbound/errors";
import { isMaskedValue, maskSecret } from "@/lib/outbound/masking";
import { assertAllowedUrl } from "@/lib/outbound/ssrf";
import { emailConfigured } from "@/lib/email/settings";
import type { AlertSettings } from "@/lib/generated/prisma/client";

type AlertSecrets = { slackWebhookUrl: string };
const owner = (id: string): SecretOwner => ({ kind: "alertSettings", id });

export const DEFAULT_BACKLOG_MINUTES = 60;

function isHttpUrl(value: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const alertSettingsSchema = z.object({
  emailAdmins: z.boolean().optional(),
  /** A new URL; the masked value sent back keeps the stored one; null removes it. */
  slackWebhookUrl: z
    .union([
      z
        .string()
        .trim()
        .max(2048, "At most 2048 characters")
        .refine((value) => isMaskedValue(value) || isHttpUrl(value), "Enter the webhook's http(s) URL, e.g. https://hooks.slack.com/services/…"),
      z.null(),
    ])
    .optional(),
  backlogMinutes: z.union([z.number().int("Whole minutes").min(1, "At least 1 minute").max(7 * 24 * 60, "At most a week"), z.null()]).optional(),
});
export type AlertSettingsInput = z.input<typeof alertSettingsSchema>;

export type AlertSettingsView = {
  emailAdmins: boolean;
  /** Whether this server can send email at all (TRACECAST_SMTP_HOST). */
  emailConfigured: boolean;
  /** The stored URL masked, or null. */
  slackWebhookUrl: string | null;
  backlogMinutes: number | null;
};

/** The settings in force: the stored row's, or the defaults. */
export type EffectiveAlertSettings = { emailAdmins: boolean; slackWebhookUrl: string | null; backlogMinutes: number | null };

function secretsOf(row: AlertSettings | null): AlertSecrets | null {
  return row?.secrets ? decryptJson<AlertSecrets>(row.secrets, owner(row.id)) : null;
}

export function effectiveSettings(row: AlertSettings | null): EffectiveAlertSettings {
  return {
    emailAdmins: row?.emailAdmins ?? true,
    slackWebhookUrl: secretsOf(row)?.slackWebhookUrl ?? null,
    backlogMinutes: row ? row.backlogMinutes : DEFAULT_BACKLOG_MINUTES,
  };
}

function view(settings: EffectiveAlertSettings): AlertSettingsView {
  return {
    emailAdmins: settings.emailAdmins,
    emailConfigured: emailConfigured(),
    slackWebhookUrl: settings.slackWebhookUrl ? maskSecret(settings.slackWebhookUrl) : null,
    backlogMinutes: settings.backlogMinutes,
  };
}

export async function alertSettingsOf(workspaceId: string): Promise<EffectiveAlertSettings> {
  return effectiveSettings(await prisma.alertSettings.findUnique({ where: { workspaceId } }));
}

export async function getAlertSettings(ctx: WorkspaceContext): Promise<AlertSettingsView> {
  return view(await alertSettingsOf(ctx.workspace.id));
}

async function assertWebhookAllowed(url: string): Promise<void> {
  try {
    await assertAllowedUrl(url);
  } catch (err) {
    if (err instanceof DeliveryError) throw new ApiError(400, "invalid_request", err.message, [{ path: "slackWebhookUrl", message: err.message }]);
    throw err;
  }
}

const audited = (s: EffectiveAlertSettings) => ({
  emailAdmins: s.emailAdmins,
  slackWebhookUrl: s.slackWebhookUrl ? "(set)" : null,
  backlogMinutes: s.backlogMinutes,
});

export async function updateAlertSettings(ctx: WorkspaceContext, input: AlertSettingsInput): Promise<AlertSettingsView> {
  const body = alertSettingsSchema.parse(input);
  const workspaceId = ctx.workspace.id;
  const row = await prisma.alertSettings.upsert({ where: { workspaceId }, create: { workspaceId }, update: {} });
  const before = effectiveSettings(row);
  const keepUrl = body.slackWebhookUrl === undefined || (before.slackWebhookUrl !== null && isMaskedValue(body.slackWebhookUrl, before.slackWebhookUrl));
  const slackWebhookUrl = keepUrl ? before.slackWebhookUrl : (body.slackWebhookUrl ?? null);
  if (slackWebhookUrl && !keepUrl) await assertWebhookAllowed(slackWebhookUrl);
  const after: EffectiveAlertSettings = {
    emailAdmins: body.emailAdmins ?? before.emailAdmins,
    slackWebhookUrl,
    backlogMinutes: body.backlogMinutes === undefined ? before.backlogMinutes : body.backlogMinutes,
  };
  await prisma.$transaction(async (tx) => {
    await tx.alertSettings.update({
      where: { id: row.id },
      data: {
        emailAdmins: after.emailAdmins,
        backlogMinutes: after.backlogMinutes,
        secrets: slackWebhookUrl ? encryptJson({ slackWebhookUrl } satisfies AlertSecrets, owner(row.id)) : null,
      },
    });
    await recordAudit(tx, {
      workspaceId,
      actor: ctx.user,
      action: "alerts.update",
      targetType: "workspace",
      targetId: workspaceId,
      before: audited(before),
      after: { ...audited(after), ...(keepUrl || !slackWebhookUrl ? {} : { slackWebhookUrl: "(changed)" }) },
    });
  });
  return view(after);
}

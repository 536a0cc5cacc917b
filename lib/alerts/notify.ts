// Sends one alert of a workspace to its channels: an email to each owner and admin (when email is
// on for the workspace and configured on the server), and a Slack-compatible incoming webhook
// (`{"text": …}`, which Slack, Mattermost, Rocket.Chat, Discord's /slack endpoint and Teams'
// workflows accept). Both at once, each bounded by a timeout; a failing channel is reported, never
// thrown, so the other still goes out.
import "server-only";
import { prisma } from "@/lib/db";
import { send } from "@/lib/outbound/send";
import { sendEmail } from "@/lib/email/send";
import { emailConfigured } from "@/lib/email/settings";
import { alertSettingsOf } from "./settings";

export type AlertMessage = { subject: string; text: string };
/** What happened on each channel, in words (kept in the audit event, shown after a test). */
export type ChannelOutcomes = { email: string; slack: string };

const WEBHOOK_TIMEOUT_MS = 10_000;

async function emailAdmins(workspaceId: string, message: AlertMessage): Promise<string> {
  const admins = await prisma.membership.findMany({
    where: { workspaceId, role: { in: ["owner", "admin"] } },
    select: { user: { select: { email: true } } },
  });
  const failures: string[] = [];
  // One email each: admins need not see one another's addresses.
  for (const { user } of admins) {
    try {
      await sendEmail({ to: user.email, subject: message.subject, text: message.text });
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  const sent = admins.length - failures.length;
  if (failures.length) return `failed for ${failures.length} of ${admins.length} admins: ${failures[0]}`;
  return `sent to ${sent} admin${sent === 1 ? "" : "s"}`;
}

async function postToWebhook(url: string, message: AlertMessage): Promise<string> {
  try {
    await send(
      { method: "POST", url, headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `*${message.subject}*\n${message.text}` }), traceCount: 0 },
      { timeoutMs: WEBHOOK_TIMEOUT_MS },
    );
    return "sent";
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

/** Sends the alert on every channel set up; null when none is (email off or not configured, no webhook). */
export async function sendAlert(workspaceId: string, message: AlertMessage): Promise<ChannelOutcomes | null> {
  const settings = await alertSettingsOf(workspaceId);
  if (!(settings.emailAdmins && emailConfigured()) && !settings.slackWebhookUrl) return null;
  const [email, slack] = await Promise.all([
    !settings.emailAdmins ? "off" : !emailConfigured() ? "not configured on this server" : emailAdmins(workspaceId, message),
    settings.slackWebhookUrl ? postToWebhook(settings.slackWebhookUrl, message) : "no webhook set",
  ]);
  return { email, slack };
}

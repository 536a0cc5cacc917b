// "Send test notification": the same channels and message path as a real alert, audited, and
// limited so that a held-down button cannot flood a channel.
import "server-only";
import { ApiError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit";
import { countRequest } from "@/lib/auth/request-limit";
import type { WorkspaceContext } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";
import { sendAlert, type ChannelOutcomes } from "./notify";

export const TEST_ALERTS_PER_MINUTE = 5;

export async function sendTestAlert(ctx: WorkspaceContext): Promise<ChannelOutcomes> {
  const wait = await countRequest(`alert-test:${ctx.workspace.id}`, { limit: TEST_ALERTS_PER_MINUTE, windowMs: 60_000 });
  if (wait) throw new ApiError(429, "too_many_requests", `At most ${TEST_ALERTS_PER_MINUTE} test notifications a minute. Try again in ${wait} s.`, undefined, { "Retry-After": String(wait) });
  const channels = await sendAlert(ctx.workspace.id, {
    subject: `Tracecast: test notification for ${ctx.workspace.name}`,
    text: `${ctx.user.email} sent this test from Settings › Alerts. Delivery alerts for this workspace will arrive here.`,
  });
  if (!channels) {
    throw new ApiError(400, "no_alert_channel", "Nothing to send to: add a webhook URL, or turn on email to admins (this needs the server's SMTP settings).");
  }
  await recordAudit(prisma, { workspaceId: ctx.workspace.id, actor: ctx.user, action: "alert.test", targetType: "workspace", targetId: ctx.workspace.id, after: { channels } });
  return channels;
}

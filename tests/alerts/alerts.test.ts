// Delivery alerts (issue 24.4) with a real SMTP server and a real HTTP receiver standing in for a
// Slack incoming webhook, driven by real drains (lib/delivery/drain.ts) whose health hooks call
// lib/alerts/hooks.ts, and by the sweep's evaluation.
import net from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { alertsSettled } from "@/lib/alerts/hooks";
import { evaluateAlerts, QUIET_PERIOD_MS } from "@/lib/alerts/evaluate";
import { updateAlertSettings } from "@/lib/alerts/settings";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { sweep } from "@/lib/delivery/sweep";
import { createOrganization, createUser, addMembership } from "../support/accounts";
import { createDestinationRow, enqueue, makeDue, startReceiver, type Receiver } from "../support/delivery";
import { startSmtpReceiver, type SmtpReceiver } from "../receivers/smtp";
import type { WorkspaceContext } from "@/lib/auth/workspace";

let smtp: SmtpReceiver;
let slack: Receiver;
let platform: Receiver;
let platformStatus = 503;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  slack = await startReceiver();
  platform = await startReceiver();
  platform.handle((_req, res) => {
    res.statusCode = platformStatus;
    res.end(platformStatus === 200 ? "ok" : "unavailable");
  });
});
afterAll(async () => {
  await alertsSettled();
  await Promise.all([smtp.close(), slack.close(), platform.close()]);
});
beforeEach(() => {
  for (const [name, value] of Object.entries(smtp.env())) vi.stubEnv(name, value);
  platformStatus = 503;
});
afterEach(async () => {
  await alertsSettled();
  vi.unstubAllEnvs();
  smtp.messages.length = 0;
  slack.requests.length = 0;
});

/** An organization with an owner, an admin and a member, its alerts going to the Slack stand-in. */
async function organization(label: string) {
  const owner = await createUser(`${label}-owner`);
  const admin = await createUser(`${label}-admin`);
  const member = await createUser(`${label}-member`);
  const workspace = await createOrganization(owner, `${label} Inc`);
  await addMembership(workspace.id, admin, "admin");
  await addMembership(workspace.id, member, "member");
  const ownerMembership = await prisma.membership.findFirstOrThrow({ where: { workspaceId: workspace.id, userId: owner.id } });
  const ctx: WorkspaceContext = { user: owner, workspace, membership: ownerMembership };
  await updateAlertSettings(ctx, { slackWebhookUrl: `${slack.url}/services/T000/B000/secret` });
  const destination = await createDestinationRow(workspace.id, "webhook", { url: `${platform.url}/hook` }, { name: `${label} hook` });
  return { owner, admin, member, workspace, destination, ctx };
}

/** One failed attempt per call: the pending row made due again, drained against the failing platform. */
async function failOnce(destinationId: string) {
  await makeDue(destinationId);
  await drainDestination(destinationId);
}

const slackTexts = () => slack.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
const recipients = () => smtp.messages.map((m) => m.to.join()).sort();

describe("delivery alerts", () => {
  it("the third failure in a row alerts the admins (not members) by email and the webhook; recovery is announced after the quiet period", async () => {
    const { owner, admin, workspace, destination } = await organization("fail");
    await enqueue(workspace.id, [destination.id], 1);
    await failOnce(destination.id);
    await failOnce(destination.id);
    await alertsSettled();
    expect(slack.requests).toHaveLength(0);

    await failOnce(destination.id);
    await alertsSettled();
    expect(recipients()).toEqual([admin.email, owner.email].sort());
    expect(smtp.messages[0].subject).toBe("Tracecast: a destination needs attention in fail Inc");
    expect(smtp.messages[0].text).toContain("fail hook is failing: 3 attempts in a row");
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain("fail hook is failing");
    expect(slack.requests[0].url).toBe("/services/T000/B000/secret");

    // It recovers at once: announced only when the quiet period is over, by the sweep's evaluation.
    platformStatus = 200;
    await makeDue(destination.id);
    await drainDestination(destination.id);
    await alertsSettled();
    expect(slackTexts()).toHaveLength(1);
    await evaluateAlerts({ now: new Date(Date.now() + QUIET_PERIOD_MS + 1000) });
    expect(slackTexts()).toHaveLength(2);
    expect(slackTexts()[1]).toContain("fail hook has recovered");
    expect(smtp.messages.at(-1)!.subject).toBe("Tracecast: a destination has recovered in fail Inc");

    const audit = await prisma.auditEvent.findMany({ where: { workspaceId: workspace.id, action: "alert.send" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((e) => (e.after as { changes: { to: string }[] }).changes[0].to)).toEqual(["failing", "ok"]);
    expect((audit[0].after as { channels: unknown }).channels).toEqual({ email: "sent to 2 admins", slack: "sent" });
  });

  it("a flapping destination sends one alert per quiet period, then where it ended up", async () => {
    const { workspace, destination } = await organization("flap");
    await enqueue(workspace.id, [destination.id], 1);
    for (let round = 0; round < 3; round++) {
      platformStatus = 503;
      for (let i = 0; i < 3; i++) await failOnce(destination.id);
      platformStatus = 200;
      await enqueue(workspace.id, [destination.id], 1);
      await makeDue(destination.id);
      await drainDestination(destination.id);
      await alertsSettled();
    }
    expect(slackTexts()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(2);

    await evaluateAlerts({ now: new Date(Date.now() + QUIET_PERIOD_MS + 1000) });
    expect(slackTexts()).toHaveLength(2);
    expect(slackTexts()[1]).toContain("has recovered");
    // Nothing left to say.
    await evaluateAlerts({ now: new Date(Date.now() + 2 * QUIET_PERIOD_MS) });
    expect(slackTexts()).toHaveLength(2);
  });

  it("an auto-pause by the sweep is announced", async () => {
    const { destination } = await organization("pause");
    await prisma.destination.update({
      where: { id: destination.id },
      data: { consecutiveFailures: 1, failingSince: new Date(Date.now() - 24 * 3600_000), lastError: "answered 503" },
    });
    await sweep({ retention: false });
    await alertsSettled();
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain("pause hook was paused automatically");
  });

  it("a delivery pending longer than the workspace's threshold is announced; a paused destination is not", async () => {
    const { workspace, destination, ctx } = await organization("backlog");
    const held = await createDestinationRow(workspace.id, "webhook", { url: `${platform.url}/held` }, { name: "held hook", status: "paused" });
    await updateAlertSettings(ctx, { backlogMinutes: 30 });
    await enqueue(workspace.id, [destination.id, held.id], 1, { receivedAt: new Date(Date.now() - 2 * 3600_000) });
    await evaluateAlerts();
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toMatch(/backlog hook has a delivery pending for 2\.0 h \(threshold 30 min\)/);
    expect(slackTexts()[0]).not.toContain("held hook");

    await updateAlertSettings(ctx, { backlogMinutes: null });
    await evaluateAlerts({ now: new Date(Date.now() + QUIET_PERIOD_MS + 1000) });
    expect(slackTexts()[1]).toContain("backlog hook has recovered");
  });

  it("a silent SMTP server and a webhook that never answers do not slow delivery", async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    vi.stubEnv("TRACECAST_SMTP_PORT", String((silent.address() as net.AddressInfo).port));
    slack.handle(() => {});
    try {
      const { workspace, destination } = await organization("slow");
      await enqueue(workspace.id, [destination.id], 1);
      await failOnce(destination.id);
      await failOnce(destination.id);
      const started = performance.now();
      await failOnce(destination.id);
      const thirdDrainMs = performance.now() - started;
      platformStatus = 200;
      await makeDue(destination.id);
      const delivered = await drainDestination(destination.id);
      const elapsedMs = performance.now() - started;
      expect(delivered).toMatchObject({ delivered: 1 });
      // The alert is still waiting on the SMTP server and the webhook (10 s timeouts each)…
      expect(thirdDrainMs).toBeLessThan(2000);
      expect(elapsedMs).toBeLessThan(3000);
      expect(await prisma.auditEvent.count({ where: { workspaceId: workspace.id, action: "alert.send" } })).toBe(0);
      // …and when they give up, the failure is on record.
      await alertsSettled();
      const [event] = await prisma.auditEvent.findMany({ where: { workspaceId: workspace.id, action: "alert.send" } });
      const { channels } = event.after as { channels: { email: string; slack: string } };
      expect(channels.email).toMatch(/^failed for 2 of 2 admins: /);
      expect(channels.slack).toMatch(/^failed: .* did not answer within 10000 ms/);
    } finally {
      slack.handle((_req, res) => res.end("ok"));
      silent.close();
    }
  }, 40_000);
});

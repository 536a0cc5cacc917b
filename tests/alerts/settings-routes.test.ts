// Alert settings and the test notification through the real routes: admins only, the webhook URL
// encrypted, masked and SSRF-checked, every change and test audited.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as settingsRoute from "@/app/api/workspaces/[workspaceId]/alerts/route";
import * as testRoute from "@/app/api/workspaces/[workspaceId]/alerts/test/route";
import { prisma } from "@/lib/db";
import { actAs } from "../support/session-mock";
import { addMembership, call, createOrganization, createUser } from "../support/accounts";
import { startReceiver, type Receiver } from "../support/delivery";
import { startSmtpReceiver, type SmtpReceiver } from "../receivers/smtp";

vi.mock("@/lib/auth/session", () => import("../support/session-mock"));

let smtp: SmtpReceiver;
let slack: Receiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
  slack = await startReceiver();
});
afterAll(() => Promise.all([smtp.close(), slack.close()]));
afterEach(() => {
  vi.unstubAllEnvs();
  smtp.messages.length = 0;
  slack.requests.length = 0;
});

async function organization(label: string) {
  const owner = await createUser(`${label}-owner`);
  const member = await createUser(`${label}-member`);
  const workspace = await createOrganization(owner, `${label} Inc`);
  await addMembership(workspace.id, member, "member");
  return { owner, member, params: { workspaceId: workspace.id }, workspaceId: workspace.id };
}

describe("alert settings", () => {
  it("stores the webhook URL encrypted and answers it masked; the masked value sent back keeps it", async () => {
    const { owner, params, workspaceId } = await organization("store");
    actAs(owner);
    const url = `${slack.url}/services/T1/B2/very-secret-token`;
    const saved = await call(settingsRoute.PUT, { method: "PUT", params, body: { slackWebhookUrl: url, backlogMinutes: 45 } });
    expect(saved.status).toBe(200);
    expect(saved.json.settings).toEqual({ emailAdmins: true, emailConfigured: false, slackWebhookUrl: expect.stringMatching(/^http\.\.\.oken$/), backlogMinutes: 45 });
    const row = await prisma.alertSettings.findUniqueOrThrow({ where: { workspaceId } });
    expect(row.secrets).toMatch(/^v1:/);
    expect(row.secrets).not.toContain("very-secret-token");

    const kept = await call(settingsRoute.PUT, { method: "PUT", params, body: { slackWebhookUrl: saved.json.settings.slackWebhookUrl, emailAdmins: false } });
    expect(kept.json.settings).toMatchObject({ emailAdmins: false, slackWebhookUrl: saved.json.settings.slackWebhookUrl });
    expect((await call(testRoute.POST, { method: "POST", params })).json.channels).toEqual({ email: "off", slack: "sent" });
    expect(slack.requests[0].url).toBe("/services/T1/B2/very-secret-token");

    const audit = await prisma.auditEvent.findMany({ where: { workspaceId, action: { startsWith: "alert" } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["alerts.update", "alerts.update", "alert.test"]);
    expect(JSON.stringify(audit)).not.toContain("very-secret-token");
  });

  it("refuses a webhook on a private address unless private targets are allowed, naming the field", async () => {
    const { owner, params } = await organization("ssrf");
    actAs(owner);
    vi.stubEnv("TRACECAST_ALLOW_PRIVATE_TARGETS", "false");
    const res = await call(settingsRoute.PUT, { method: "PUT", params, body: { slackWebhookUrl: "http://169.254.169.254/latest/meta-data" } });
    expect(res.status).toBe(400);
    expect(res.json.error.fields[0]).toMatchObject({ path: "slackWebhookUrl", message: expect.stringMatching(/169\.254\.169\.254 is not allowed/) });
    const notUrl = await call(settingsRoute.PUT, { method: "PUT", params, body: { slackWebhookUrl: "ftp://example.com/x", backlogMinutes: 0 } });
    expect(notUrl.json.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["backlogMinutes", "slackWebhookUrl"]);
  });

  it("is for admins: a member is refused reading and changing it, and sending a test", async () => {
    const { member, params } = await organization("roles");
    actAs(member);
    expect((await call(settingsRoute.GET, { params })).status).toBe(403);
    expect((await call(settingsRoute.PUT, { method: "PUT", params, body: { emailAdmins: false } })).status).toBe(403);
    expect((await call(testRoute.POST, { method: "POST", params })).status).toBe(403);
  });
});

describe("test notification", () => {
  it("emails the admins through the configured SMTP server and reports each channel", async () => {
    const { owner, member, params } = await organization("mail");
    for (const [name, value] of Object.entries(smtp.env())) vi.stubEnv(name, value);
    actAs(owner);
    expect((await call(settingsRoute.GET, { params })).json.settings).toMatchObject({ emailAdmins: true, emailConfigured: true, slackWebhookUrl: null });
    const res = await call(testRoute.POST, { method: "POST", params });
    expect(res.json.channels).toEqual({ email: "sent to 1 admin", slack: "no webhook set" });
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual([owner.email]);
    expect(mail.to).not.toContain(member.email);
    expect(mail.subject).toBe("Tracecast: test notification for mail Inc");
  });

  it("says there is nothing to send to when no channel is set up, and limits how often it can be pressed", async () => {
    const { owner, params } = await organization("none");
    actAs(owner);
    const nothing = await call(testRoute.POST, { method: "POST", params });
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.code).toBe("no_alert_channel");

    await call(settingsRoute.PUT, { method: "PUT", params, body: { slackWebhookUrl: `${slack.url}/hook` } });
    // Every press counts, the one above included: 5 a minute.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(testRoute.POST, { method: "POST", params })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(slack.requests).toHaveLength(4);
    const refused = await call(testRoute.POST, { method: "POST", params });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

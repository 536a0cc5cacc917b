// Settings › Alerts (issue 24.4): where delivery alerts go, checked with "Send test notification"
// against a real SMTP server and a real HTTP receiver standing in for a Slack incoming webhook.
import { expect, test } from "@playwright/test";
import { E2E_SMTP_PORT } from "../playwright.config";
import { startRecorder, type Recorder } from "../tests/receivers/recorder";
import { startSmtpReceiver, type SmtpReceiver } from "../tests/receivers/smtp";
import { DEMO, screenshot, signIn, switchWorkspace } from "./helpers";

let smtp: SmtpReceiver;
let slack: Recorder;
test.beforeAll(async () => {
  smtp = await startSmtpReceiver({}, E2E_SMTP_PORT);
  slack = await startRecorder();
});
test.afterAll(async () => {
  await smtp.close();
  await slack.close();
});

test("an admin sets the webhook, saves, and sends a test notification to email and the webhook", async ({ page }) => {
  await signIn(page, DEMO.owner);
  await switchWorkspace(page, DEMO.organization);

  // Loading, then the screen.
  let releaseLoading: () => void = () => {};
  const held = new Promise<void>((resolve) => (releaseLoading = resolve));
  await page.route("**/api/workspaces/*/alerts", async (route) => {
    await held;
    await route.fallback();
  });
  await page.getByRole("link", { name: "Alerts" }).click();
  await expect(page.getByRole("heading", { name: "Alerts", level: 1 })).toBeVisible();
  await page.screenshot({ path: "e2e/screenshots/alerts-loading.png", fullPage: true });
  releaseLoading();
  await page.unroute("**/api/workspaces/*/alerts");
  await expect(page.getByRole("switch", { name: "Email the workspace's owners and admins" })).toBeChecked();
  await expect(page.getByRole("button", { name: "Save" })).toBeDisabled();
  await screenshot(page, "alerts");

  // A bad URL is named under its field.
  const url = page.getByLabel("Slack-compatible webhook URL");
  await url.fill("hooks.slack.com/no-scheme");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Enter the webhook's http(s) URL")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send test notification" })).toBeDisabled();
  await screenshot(page, "alerts-invalid-url");

  await url.fill(`${slack.url}/services/T0/B0/e2e-secret-token`);
  await page.getByLabel("Backlog threshold (minutes)").fill("30");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Alert settings saved")).toBeVisible();
  await expect(url).toHaveValue(/^http\.\.\.oken$/);

  await page.getByRole("button", { name: "Send test notification" }).click();
  const result = page.getByRole("status", { name: "Test notification result" });
  await expect(result).toContainText(/sent to \d+ admins?/);
  await expect(result).toContainText("Webhook");
  await expect(result.getByText("sent", { exact: true })).toBeVisible();
  await screenshot(page, "alerts-test-sent");
  expect(slack.requests).toHaveLength(1);
  expect(slack.requests[0].path).toBe("/services/T0/B0/e2e-secret-token");
  expect(slack.requests[0].json<{ text: string }>().text).toContain("test notification for Acme AI");
  const mails = await smtp.waitFor(1);
  expect(mails.map((m) => m.to).flat()).toContain(DEMO.owner.email);

  // Phone width.
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, "alerts-mobile");
});

test("without email on the server the screen says so; a failed load offers a retry", async ({ page }) => {
  await signIn(page, DEMO.owner);
  const workspaceId = await switchWorkspace(page, DEMO.organization);
  // What this server answers with no TRACECAST_SMTP_HOST (tests/alerts/settings-routes.test.ts proves the field).
  await page.route("**/api/workspaces/*/alerts", async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { settings: Record<string, unknown> };
    await route.fulfill({ response, json: { settings: { ...body.settings, emailConfigured: false } } });
  });
  await page.goto(`/w/${workspaceId}/settings/alerts`);
  await expect(page.getByText("This server cannot send email")).toBeVisible();
  await expect(page.getByRole("switch", { name: "Email the workspace's owners and admins" })).toBeDisabled();
  await screenshot(page, "alerts-no-email");

  await page.unroute("**/api/workspaces/*/alerts");
  await page.route("**/api/workspaces/*/alerts", (route) => route.fulfill({ status: 503, json: { error: { code: "database_unavailable", message: "The database is unavailable" } } }));
  await page.reload();
  await expect(page.getByRole("button", { name: /Try again|Retry/ })).toBeVisible();
  await screenshot(page, "alerts-error");
});

test("a member sees no Alerts screen", async ({ page }) => {
  await signIn(page, DEMO.member);
  const workspaceId = await switchWorkspace(page, DEMO.organization);
  await expect(page.getByRole("link", { name: "Observability" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Alerts" })).toHaveCount(0);
  await page.goto(`/w/${workspaceId}/settings/alerts`);
  await expect(page.getByText(/not allowed|permission|forbidden/i).first()).toBeVisible();
  await screenshot(page, "alerts-member-forbidden");
});

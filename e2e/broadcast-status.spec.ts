import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { DEMO, newUser, screenshot, signedUpPage, signIn, signUp, switchWorkspace, workspaceIdOf } from "./helpers";

// Issue 24.3/24.5: what the screens say about Broadcast and each destination's state, proved
// against the real server and a real webhook receiver on 127.0.0.1: Broadcast off is confirmed
// first, a banner says so on every screen, traces sent meanwhile are stored and not delivered (and
// a replay sends them once it is on again); failing destinations say so and recover; charts
// have axes and units; dark mode follows the OS, can be chosen, and is applied before the page paints.

type Receiver = { url: (path: string) => string; bodies: string[]; state: { failing: boolean }; close: () => Promise<void> };

function startReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const state = { failing: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.headers["x-test-connection"] !== "true") bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(state.failing ? 503 : 200, { "content-type": "application/json" });
      res.end(state.failing ? '{"error":"receiver unavailable"}' : '{"ok":true}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: (p) => `http://127.0.0.1:${port}${p}`, bodies, state, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver();
});
test.afterAll(() => receiver.close());

const api = (workspaceId: string, ...rest: string[]) => ["/api/workspaces", workspaceId, ...rest].join("/");

async function addWebhookByApi(page: Page, workspaceId: string, name: string, path: string): Promise<string> {
  const res = await page.request.post(api(workspaceId, "destinations"), { data: { type: "webhook", name, config: { url: receiver.url(path) } } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).destination.id;
}

async function createKey(page: Page, workspaceId: string): Promise<string> {
  const res = await page.request.post(api(workspaceId, "api-keys"), { data: { name: "E2E" } });
  expect(res.status()).toBe(201);
  return (await res.json()).secret;
}

async function sendTrace(page: Page, key: string, word: string) {
  const res = await page.request.post("/api/v1/traces", {
    headers: { authorization: `Bearer ${key}` },
    data: {
      model: "openai/gpt-4o-mini",
      request: { messages: [{ role: "user", content: word }] },
      response: { messages: [{ role: "assistant", content: "ok" }] },
      timing: { start: new Date(Date.now() - 1000).toISOString(), end: new Date().toISOString() },
    },
  });
  expect(res.status()).toBe(202);
}

const banner = (page: Page) => page.getByRole("complementary", { name: "Broadcast is off" });

test("Broadcast off: confirmed first, a banner on every screen, traces stored and not sent, replayable once on again", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Switch");
  const destinationId = await addWebhookByApi(page, workspaceId, "Receiver", "/off-hook");
  const key = await createKey(page, workspaceId);
  await page.reload();
  const row = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Receiver" }) });
  await expect(row).toContainText("Active");
  await expect(row).toContainText("No successful delivery yet");
  await expect(banner(page)).toHaveCount(0);

  // Asking first: Keep it on changes nothing.
  const toggle = page.getByRole("switch", { name: "Broadcast" });
  await toggle.click();
  const dialog = page.getByRole("alertdialog", { name: "Turn Broadcast off?" });
  await expect(dialog).toContainText("What stops: No trace is sent to any destination");
  await expect(dialog).toContainText("New traces are still received and stored");
  await screenshot(page, "broadcast-off-confirm-desktop");
  await dialog.getByRole("button", { name: "Keep it on" }).click();
  await expect(toggle).toBeChecked();
  expect((await (await page.request.get(api(workspaceId, "broadcast"))).json()).enabled).toBe(true);

  await toggle.click();
  await dialog.getByRole("button", { name: "Turn Broadcast off" }).click();
  await expect(toggle).not.toBeChecked();
  await expect(banner(page)).toContainText("Broadcast is off.");
  await expect(banner(page).getByRole("button", { name: "Turn Broadcast on" })).toBeVisible();
  await expect(row).toContainText("Broadcast off");
  await expect(row).toContainText("Not sending: Broadcast is off");
  await expect(row).not.toContainText("Active");
  await screenshot(page, "broadcast-off-list-desktop");

  // What the dialog promised: a trace sent now is stored (a replay would take it) and not sent.
  await sendTrace(page, key, "sent-while-off");
  await page.waitForTimeout(1500);
  expect(receiver.bodies.filter((b) => b.includes("sent-while-off"))).toHaveLength(0);
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const dryRun = await page.request.post(api(workspaceId, "destinations", destinationId, "replay"), { data: { since, dryRun: true } });
  expect((await dryRun.json()).count).toBe(1);

  // Every screen has the banner; from there the owner turns it back on.
  await page.getByRole("link", { name: "API keys" }).first().click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(banner(page)).toBeVisible();
  await screenshot(page, "broadcast-off-banner-api-keys-desktop");
  await banner(page).getByRole("button", { name: "Turn Broadcast on" }).click();
  await expect(banner(page)).toHaveCount(0);
  expect((await (await page.request.get(api(workspaceId, "broadcast"))).json()).enabled).toBe(true);
  await page.getByRole("link", { name: "Observability" }).first().click();
  await expect(page.getByRole("switch", { name: "Broadcast" })).toBeChecked();
  await expect(row).toContainText("Active");

  // …and the stored trace is sent by a replay.
  const replayed = await page.request.post(api(workspaceId, "destinations", destinationId, "replay"), { data: { since, dryRun: false } });
  expect((await replayed.json()).count).toBe(1);
  await expect.poll(() => receiver.bodies.filter((b) => b.includes("sent-while-off")).length, { timeout: 20_000 }).toBe(1);
  await page.reload();
  await expect(row).toContainText(/Last success (just now|\d+ seconds? ago)/, { timeout: 20_000 });
  await context.close();
});

test("a member sees the banner with whom to ask, and no button to turn it on", async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signIn(owner, DEMO.owner);
  const orgId = await switchWorkspace(owner, DEMO.organization);
  const set = (enabled: boolean) => owner.request.put(api(orgId, "broadcast"), { data: { enabled } });
  expect((await set(false)).status()).toBe(200);
  try {
    const memberContext = await browser.newContext();
    const member = await memberContext.newPage();
    await signIn(member, DEMO.member);
    if (workspaceIdOf(member) !== orgId) await switchWorkspace(member, DEMO.organization);
    await expect(banner(member)).toContainText("Ask an admin or owner of this organization to turn it on.");
    await expect(banner(member).getByRole("button")).toHaveCount(0);
    await screenshot(member, "broadcast-off-banner-member-desktop");
    await memberContext.close();
  } finally {
    expect((await set(true)).status()).toBe(200);
    await ownerContext.close();
  }
});

test("a failing destination says so with what waits, shows its last error's age, and recovers to Active without it", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Failing");
  receiver.state.failing = true;
  try {
    const destinationId = await addWebhookByApi(page, workspaceId, "Flaky", "/flaky");
    const key = await createKey(page, workspaceId);
    await sendTrace(page, key, "flaky-one");
    const row = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Flaky" }) });
    await expect(async () => {
      await page.reload();
      await expect(row).toContainText("Failing", { timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(row).toContainText(/Last attempt failed.* 1 waiting, oldest \d+ (s|min)\./);
    await screenshot(page, "destination-failing-list-desktop");
    await page.goto(`/w/${workspaceId}/settings/observability/${destinationId}`);
    const lastError = page.getByRole("note", { name: "Last error" });
    await expect(lastError).toContainText("503");
    await expect(lastError.locator("time")).toHaveText(/ago|now/);
    await screenshot(page, "destination-failing-detail-desktop");

    receiver.state.failing = false;
    // The circuit probes again within 20 s; the row is then delivered and the error is over.
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("1 delivered · 0 failed")).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await expect(lastError).toHaveCount(0);
    await page.getByRole("link", { name: "Observability" }).first().click();
    await expect(row).toContainText("Active");
    await expect(row).toContainText("Last success");
  } finally {
    receiver.state.failing = false;
  }
  await context.close();
});

test("the list's loading and error states", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "States");
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**${api(workspaceId, "destinations")}`, async (route) => {
    await held;
    await route.fulfill({ status: 500, contentType: "application/json", body: '{"error":{"code":"internal","message":"database unavailable"}}' });
  });
  await page.reload();
  await expect(page.getByRole("status", { name: "Loading destinations" })).toBeVisible();
  await page.screenshot({ path: "e2e/screenshots/destinations-loading-desktop.png", fullPage: true });
  release();
  await expect(page.getByText("database unavailable")).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: "e2e/screenshots/destinations-error-desktop.png", fullPage: true });
  await context.close();
});

test("charts: list bars visible, health charts with axes and units, in light and dark", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Charts");
  const destinationId = await addWebhookByApi(page, workspaceId, "Charted", "/charted");
  const key = await createKey(page, workspaceId);
  for (const word of ["chartword1", "chartword2", "chartword3"]) await sendTrace(page, key, word);
  await expect.poll(() => receiver.bodies.filter((b) => b.includes("chartword")).length, { timeout: 20_000 }).toBeGreaterThan(0);
  await page.reload();
  const sparkline = page.getByRole("img", { name: /^Deliveries per hour over the last 24 hours: \d+ delivered, 0 failed/ });
  await expect(sparkline).toBeVisible();
  // This hour's bar is drawn in the success colour, tall enough to see.
  const bar = sparkline.locator("rect.fill-success").last();
  expect(Number(await bar.getAttribute("height"))).toBeGreaterThanOrEqual(2);
  expect(await bar.evaluate((el) => getComputedStyle(el).fill)).not.toBe(await sparkline.locator("rect").first().evaluate((el) => getComputedStyle(el).fill));
  await screenshot(page, "charts-list-light-desktop");

  await page.goto(`/w/${workspaceId}/settings/observability/${destinationId}`);
  const deliveries = page.getByRole("figure").filter({ has: page.getByRole("img", { name: /^Deliveries over the last 24 hours/ }) });
  await expect(deliveries).toContainText("deliveries per hour");
  await expect(deliveries).toContainText("now");
  await expect(deliveries).toContainText(/\d\s*0/); // y axis: top count and 0
  const latency = page.getByRole("figure").filter({ has: page.getByRole("img", { name: /^Delivery latency/ }) });
  await expect(latency).toContainText("trace received → delivered");
  await expect(latency).toContainText(/\d+(\.\d+)? m?s/);
  await expect(page.getByRole("figure").filter({ has: page.getByRole("img", { name: /^Success rate over/ }) })).toContainText("100%");
  await screenshot(page, "charts-health-light-desktop");

  await page.getByRole("radio", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await screenshot(page, "charts-health-dark-desktop");
  await page.getByRole("link", { name: "Observability" }).first().click();
  await screenshot(page, "charts-list-dark-desktop");
  await context.close();
});

test("dark mode follows the OS, a choice is remembered and applied before the page paints", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "dark" });
  // The html element's class when <body> is first parsed, before anything is drawn or React runs.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      (window as unknown as { classAtBody: string }).classAtBody = document.documentElement.className;
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await signUp(page, newUser("Theme"));
  const classAtBody = () => page.evaluate(() => (window as unknown as { classAtBody: string }).classAtBody);
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  expect(await classAtBody()).toMatch(/\bdark\b/);
  await expect(page.getByRole("radio", { name: "System" })).toHaveAttribute("aria-checked", "true");
  await screenshot(page, "observability-empty-dark-desktop");

  await page.getByRole("radio", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(page.getByRole("radio", { name: "Light" })).toHaveAttribute("aria-checked", "true");
  expect(await classAtBody()).not.toMatch(/\bdark\b/);

  // Back to the system's setting: dark again, on this page and the next.
  await page.getByRole("radio", { name: "System" }).click();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.reload();
  expect(await classAtBody()).toMatch(/\bdark\b/);

  // The OS turning light while the page is open is followed at once.
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  await context.close();
});

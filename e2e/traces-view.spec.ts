import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { samplingKey, samplingPoint } from "../lib/routing/sampling";
import { screenshot, signedUpPage } from "./helpers";

// Issue 24.2, "why not sent": traces sent to the real server with destinations configured for
// every outcome (webhooks on 127.0.0.1 answering 200, 503 and 400), then read on the Traces page:
// delivered, retrying, failed, waiting while paused, and not sent with the reason routing recorded
// at ingest (sampled out, a filter rule, API key not included / excluded, disabled, Broadcast off).

type Receiver = { url: (path: string) => string; close: () => Promise<void> };

function startReceiver(): Promise<Receiver> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const status = req.url === "/flaky" ? 503 : req.url === "/broken" ? 400 : 200;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 200 ? '{"ok":true}' : `{"error":"answered ${status}"}`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: (p) => `http://127.0.0.1:${port}${p}`, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver();
});
test.afterAll(() => receiver.close());

const api = (workspaceId: string, ...rest: string[]) => ["/api/workspaces", workspaceId, ...rest].join("/");

async function addWebhook(page: Page, workspaceId: string, name: string, path: string, settings: Record<string, unknown> = {}): Promise<string> {
  const res = await page.request.post(api(workspaceId, "destinations"), { data: { type: "webhook", name, config: { url: receiver.url(path) }, ...settings } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).destination.id;
}

let langfuseKeys = 0;
/** A Langfuse destination (a workspace has at most 5 webhooks): the ones that get no trace here. */
async function addLangfuse(page: Page, workspaceId: string, name: string, settings: Record<string, unknown>): Promise<string> {
  langfuseKeys += 1;
  const config = { secretKey: `sk-lf-e2e-traces-view-${langfuseKeys}`, publicKey: `pk-lf-e2e-${langfuseKeys}`, baseUrl: receiver.url("/langfuse") };
  const res = await page.request.post(api(workspaceId, "destinations"), { data: { type: "langfuse", name, config, ...settings } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).destination.id;
}

async function createKey(page: Page, workspaceId: string, name: string): Promise<{ id: string; secret: string }> {
  const res = await page.request.post(api(workspaceId, "api-keys"), { data: { name } });
  expect(res.status()).toBe(201);
  const body = await res.json();
  return { id: body.apiKey.id, secret: body.secret };
}

/** A session a 10 % destination samples out (its sampling point is at or above 0.1). */
function sampledOutSession(): string {
  for (let i = 0; ; i++) {
    const session = `e2e-session-${i}`;
    if (samplingPoint(samplingKey({ id: "x", session_id: session, trace: { trace_id: null } as never })) >= 0.1) return session;
  }
}

async function sendTrace(page: Page, secret: string, id: string, traceName: string, session: string) {
  const res = await page.request.post("/api/v1/traces", {
    headers: { authorization: `Bearer ${secret}` },
    data: {
      id,
      model: "openai/gpt-4o-mini",
      session_id: session,
      trace: { trace_name: traceName },
      request: { messages: [{ role: "user", content: "why not sent?" }] },
      response: { messages: [{ role: "assistant", content: "ok" }] },
      timing: { start: new Date(Date.now() - 1000).toISOString(), end: new Date().toISOString() },
    },
  });
  expect(res.status()).toBe(202);
}

/** The outcome line of a destination in a trace's row (the visible one: desktop or phone layout). */
const outcome = (page: Page, traceId: string, destination: string) =>
  page.locator(`tr[data-trace="${traceId}"] li[data-destination="${destination}"]`).locator("visible=true");

test("the Traces page says, per destination, what became of each trace, and why it was not sent", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Traces");
  // Empty: what to do first.
  await page.goto(`/w/${workspaceId}/traces`);
  await expect(page.getByText("No traces yet")).toBeVisible();
  await expect(page.getByRole("link", { name: "Send a first trace" })).toHaveAttribute("href", `/w/${workspaceId}/api-keys`);
  await screenshot(page, "traces-empty");

  const prod = await createKey(page, workspaceId, "Prod");
  const other = await createKey(page, workspaceId, "Other");
  await addWebhook(page, workspaceId, "Delivered hook", "/ok");
  await addWebhook(page, workspaceId, "Retrying hook", "/flaky");
  await addWebhook(page, workspaceId, "Failing hook", "/broken");
  const paused = await addWebhook(page, workspaceId, "Paused hook", "/ok");
  expect((await page.request.post(api(workspaceId, "destinations", paused, "pause"))).status()).toBe(200);
  await addLangfuse(page, workspaceId, "Sampled hook", { samplingRate: 0.1 });
  await addLangfuse(page, workspaceId, "Claude only", { filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value: "claude" }] }] } });
  await addLangfuse(page, workspaceId, "Other key only", { apiKeyInclude: [other.id] });
  await addLangfuse(page, workspaceId, "No Prod", { apiKeyExclude: [prod.id] });
  await addWebhook(page, workspaceId, "Disabled hook", "/ok", { enabled: false });

  const session = sampledOutSession();
  await sendTrace(page, prod.secret, "e2e-checkout", "checkout", session);
  // Broadcast off: stored, sent nowhere.
  expect((await page.request.put(api(workspaceId, "broadcast"), { data: { enabled: false } })).status()).toBe(200);
  await sendTrace(page, prod.secret, "e2e-while-off", "nightly batch", session);
  expect((await page.request.put(api(workspaceId, "broadcast"), { data: { enabled: true } })).status()).toBe(200);

  await page.goto(`/w/${workspaceId}/traces`);
  const checkout = "e2e-checkout";
  // The inline dispatcher delivers in the background: the page polls, a reload is quicker.
  await expect(async () => {
    await page.reload();
    await expect(outcome(page, checkout, "Delivered hook")).toContainText("Delivered", { timeout: 1000 });
    await expect(outcome(page, checkout, "Retrying hook")).toContainText("Retrying", { timeout: 1000 });
    await expect(outcome(page, checkout, "Failing hook")).toContainText("Failed", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(outcome(page, checkout, "Failing hook")).toContainText("answered 400");
  await expect(outcome(page, checkout, "Retrying hook")).toContainText(/attempts? so far: .*503/);
  await expect(outcome(page, checkout, "Paused hook")).toContainText("Waiting: paused");
  await expect(outcome(page, checkout, "Sampled hook")).toContainText("Not sent");
  await expect(outcome(page, checkout, "Sampled hook")).toContainText("sampled out at 10%");
  await expect(outcome(page, checkout, "Claude only")).toContainText('filter rule Model contains "claude" did not match');
  await expect(outcome(page, checkout, "Other key only")).toContainText('API key "Prod" not included');
  await expect(outcome(page, checkout, "No Prod")).toContainText('API key "Prod" excluded');
  await expect(outcome(page, checkout, "Disabled hook")).toContainText("destination disabled");
  await expect(outcome(page, "e2e-while-off", "Delivered hook")).toContainText("Broadcast was off");
  await expect(outcome(page, "e2e-while-off", "Disabled hook")).toContainText("destination disabled");
  const row = page.locator(`tr[data-trace="${checkout}"]`);
  await expect(row).toContainText("checkout");
  await expect(row).toContainText("key Prod");
  await expect(row).toContainText(`session ${session}`);
  await screenshot(page, "traces-desktop");

  // Filters: failed traces only; then search by trace name.
  await page.getByRole("combobox", { name: "Outcome" }).click();
  await page.getByRole("option", { name: "Failed" }).click();
  await expect(page.locator("tr[data-trace]")).toHaveCount(1);
  await expect(page.locator(`tr[data-trace="${checkout}"]`)).toBeVisible();
  await page.getByRole("combobox", { name: "Outcome" }).click();
  await page.getByRole("option", { name: "Any outcome" }).click();
  await page.getByRole("searchbox", { name: "Search" }).fill("nightly");
  await expect(page.locator("tr[data-trace]")).toHaveCount(1);
  await expect(page.locator('tr[data-trace="e2e-while-off"]')).toBeVisible();
  await page.getByRole("searchbox", { name: "Search" }).fill("no such trace");
  await expect(page.getByText("No matching traces")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.locator("tr[data-trace]")).toHaveCount(2);

  // Phone width: the outcomes go under the trace, nothing overflows.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.reload();
  await expect(outcome(page, checkout, "Claude only")).toContainText('filter rule Model contains "claude" did not match');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await screenshot(page, "traces-mobile");

  // Errors: the server refusing says so, with a retry.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.route("**/api/workspaces/*/traces*", (route) => route.fulfill({ status: 503, contentType: "application/json", body: '{"error":{"code":"database_unavailable","message":"Database unavailable"}}' }));
  await page.reload();
  await expect(page.getByText("Could not load traces")).toBeVisible();
  await screenshot(page, "traces-error");
  await context.close();
});

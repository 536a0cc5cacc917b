import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signedUpPage } from "./helpers";

// The delivery detail drawer against the real server and a real receiver on 127.0.0.1 that refuses
// (400, not retryable: the delivery fails at once) until told to accept: a failed delivery opens in
// its drawer from the log, shows its trace, its attempt with the platform's answer and the request,
// downloads the body, survives a reload of its URL, and a retry delivers it.

type Receiver = { url: string; bodies: string[]; accept: { now: boolean }; close: () => Promise<void> };

function startReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const accept = { now: true };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(accept.now ? 200 : 400, { "content-type": "application/json" });
      res.end(accept.now ? '{"ok":true}' : '{"error":"schema mismatch: refused by the receiver"}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        bodies,
        accept,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

/** Adds a webhook to the receiver through the form (its connection test passes) and opens its page. */
async function addWebhook(page: Page, name: string) {
  await page.getByRole("button", { name: "Add destination" }).first().click();
  const catalog = page.getByRole("dialog", { name: "Add a destination" });
  await catalog.getByLabel("Search platforms").fill("webhook");
  await catalog.getByRole("link", { name: /Webhook/ }).click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel(/^URL/).fill(receiver.url);
  await page.getByRole("button", { name: "Test & save" }).click();
  await page.waitForURL(/\/settings\/observability\/(?!new)[^/?]+$/);
}

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver();
});
test.afterAll(() => receiver.close());

test("a delivery opens in a drawer with its own URL: trace, attempts, request body and download, retry", async ({ browser }) => {
  const { page, context } = await signedUpPage(browser, "Detail");

  // A webhook that passes its connection test, then refuses the test trace.
  await addWebhook(page, "Strict receiver");
  receiver.accept.now = false;
  await page.getByRole("button", { name: "Send test trace" }).first().click();
  const sendDialog = page.getByRole("dialog", { name: "Send a test trace" });
  await sendDialog.getByRole("button", { name: "Send test trace" }).click();
  await expect(sendDialog.getByRole("listitem").filter({ hasText: "Strict receiver" })).toContainText("Failed", { timeout: 20_000 });
  await sendDialog.getByRole("button", { name: "Close" }).first().click();

  // The log: the failed row opens its drawer, and the URL names it.
  await page.getByRole("tab", { name: "Delivery log" }).click();
  const log = page.getByRole("table", { name: "Delivery log" });
  const row = log.getByRole("row").nth(1);
  await expect(row).toContainText("Failed");
  await row.getByRole("link").click();
  const drawer = page.getByRole("dialog", { name: /^Delivery/ });
  await expect(drawer).toBeVisible();
  await expect(page).toHaveURL(/[?&]tab=deliveries&delivery=[^&]+/);
  await expect(drawer.getByRole("heading", { name: "Delivery · Tracecast test trace" })).toBeVisible();
  await expect(drawer.getByText("Why it failed:")).toBeVisible();
  const attempts = drawer.getByRole("list", { name: "Attempts" }).getByRole("listitem");
  await expect(attempts).toHaveCount(1);
  await expect(attempts.first()).toContainText("HTTP 400");
  await expect(attempts.first()).toContainText("schema mismatch: refused by the receiver");
  await expect(drawer.getByText("Test trace", { exact: true })).toBeVisible();
  await expect(drawer.getByText(/Re-encoded at .* from the stored trace, alone, with this destination's current settings/)).toBeVisible();
  const body = drawer.getByLabel("Request body");
  await expect(body).toContainText("resourceSpans");
  await expect(drawer.getByText(`POST ${receiver.url}`)).toBeVisible();
  // The body shown is the one the receiver got (the trace was alone in its request).
  const sent = JSON.parse(receiver.bodies.at(-1)!) as unknown;
  expect(JSON.parse((await body.textContent()) ?? "")).toEqual(sent);
  const [download] = await Promise.all([page.waitForEvent("download"), drawer.getByRole("button", { name: "Download body" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.json$/);
  expect(JSON.parse(await readFile((await download.path())!, "utf8"))).toEqual(sent);
  await drawer.evaluate((el) => el.scrollTo(0, 0));
  await screenshot(page, "delivery-detail-failed-desktop");

  // The URL opens the same drawer after a reload.
  const drawerUrl = page.url();
  await page.reload();
  await expect(page.getByRole("dialog", { name: /^Delivery/ })).toBeVisible();
  await expect(page.getByRole("dialog", { name: /^Delivery/ }).getByRole("list", { name: "Attempts" }).getByRole("listitem")).toHaveCount(1);

  // Retry: queued again, delivered once the receiver accepts; the drawer follows it.
  receiver.accept.now = true;
  const reopened = page.getByRole("dialog", { name: /^Delivery/ });
  await reopened.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText("Trace queued again")).toBeVisible();
  await expect(reopened.getByRole("list", { name: "Attempts" }).getByRole("listitem").first()).toContainText("Delivered", { timeout: 20_000 });
  await expect(reopened.getByRole("button", { name: "Replay this trace" })).toBeVisible();
  await screenshot(page, "delivery-detail-retried-desktop");

  // Escape closes it and the URL no longer names it; the link still opens it.
  await page.keyboard.press("Escape");
  await expect(reopened).toBeHidden();
  await expect(page).not.toHaveURL(/delivery=/);
  await expect(log.getByRole("row").nth(1)).toContainText("Delivered");

  // Search: an exact trace name finds it, another finds nothing.
  const search = page.getByRole("search", { name: "Search deliveries" });
  await search.getByRole("combobox", { name: "Search in" }).click();
  await page.getByRole("option", { name: "Trace name" }).click();
  await search.getByLabel("Search", { exact: true }).fill("No such trace");
  await search.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No deliveries match this search")).toBeVisible();
  await search.getByLabel("Search", { exact: true }).fill("Tracecast test trace");
  await search.getByRole("button", { name: "Search" }).click();
  await expect(log.getByRole("row")).toHaveCount(2);
  await screenshot(page, "delivery-log-search-desktop");

  // On a phone: the search stacks above the log, the drawer takes the screen.
  await page.setViewportSize({ width: 375, height: 812 });
  await screenshot(page, "delivery-log-search-mobile");
  await page.goto(drawerUrl);
  await expect(page.getByRole("dialog", { name: /^Delivery/ }).getByRole("list", { name: "Attempts" }).getByRole("listitem")).toHaveCount(2);
  await screenshot(page, "delivery-detail-mobile");
  await context.close();
});

test("a delivery id that names nothing opens the drawer's not-found state", async ({ browser }) => {
  const { page, context } = await signedUpPage(browser, "Missing");
  await addWebhook(page, "Quiet receiver");
  await page.goto(`${page.url()}?tab=deliveries&delivery=dlv_nothing_here`);
  const drawer = page.getByRole("dialog", { name: /^Delivery/ });
  await expect(drawer.getByText("Delivery not found")).toBeVisible();
  await screenshot(page, "delivery-detail-not-found-desktop");
  await page.keyboard.press("Escape");
  await expect(page).not.toHaveURL(/delivery=/);
  await expect(page.getByText("No deliveries yet")).toBeVisible();
  await context.close();
});

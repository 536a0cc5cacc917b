import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signedUpPage } from "./helpers";

// Issue 25.5: the first-run guide on a new workspace's Observability page. Each step is checked
// off from the workspace's data, and the snippets it shows are run as shown (curl against this
// server), so what the guide tells a newcomer to do is what works.

let server: Server;
let hookUrl = "";
const bodies: string[] = [];
test.beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const guide = (page: Page) => page.getByRole("region", { name: "Get started" });
const step = (page: Page, title: string) => guide(page).getByRole("listitem").filter({ hasText: title });
const runCurl = (curl: string) => execFileSync("bash", ["-c", `${curl} --silent --show-error`], { encoding: "utf8" });

test("a new workspace is walked from an API key to a delivered trace, each step checked off when it has happened", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Newcomer");
  const origin = new URL(page.url()).origin;
  await expect(guide(page)).toContainText("0 of 4 done");
  await expect(step(page, "Create an API key")).toHaveAttribute("aria-current", "step");
  await expect(step(page, "Send a trace")).toHaveAttribute("data-state", "upcoming");
  await screenshot(page, "first-run-start-desktop");

  // 1. The key, created from the guide: its dialog shows the endpoint and the snippets with the secret.
  await step(page, "Create an API key").getByRole("button", { name: "Create API key" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Laptop");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const secret = await dialog.getByLabel("API key").inputValue();
  expect(secret).toMatch(/^tc_/);
  await expect(dialog).toContainText(`${origin}/api/v1/traces`);
  await expect(dialog).toContainText(`Authorization: Bearer ${secret}`);
  await screenshot(page, "first-run-key-created-desktop");
  await dialog.getByRole("button", { name: "Done" }).click();

  // 2. The curl command the guide shows, with this server's endpoint and the new key, run as shown.
  await expect(step(page, "Create an API key")).toHaveAttribute("data-state", "done");
  const sendStep = step(page, "Send a trace");
  await expect(sendStep).toHaveAttribute("aria-current", "step");
  const curl = await sendStep.locator("pre").nth(1).innerText();
  expect(curl).toContain(`curl -X POST ${origin}/api/v1/traces`);
  expect(curl).toContain(secret);
  await screenshot(page, "first-run-send-desktop");
  expect(runCurl(curl)).toMatch(/^\{"ids":\["[^"]+"\]\}$/);
  await expect(sendStep).toHaveAttribute("data-state", "done", { timeout: 15_000 });

  // 3. A destination (the catalog is covered by observability.spec.ts; here through the same API).
  await expect(step(page, "Add a destination")).toHaveAttribute("aria-current", "step");
  await expect(step(page, "Add a destination").getByRole("button", { name: "Add destination" })).toBeVisible();
  const created = await page.request.post(`/api/workspaces/${workspaceId}/destinations`, { data: { type: "webhook", name: "Hook", config: { url: hookUrl } } });
  expect(created.status()).toBe(201);
  await expect(step(page, "Add a destination")).toHaveAttribute("data-state", "done", { timeout: 15_000 });

  // 4. The trace sent before the destination existed is not delivered to it: the last step says to send one now.
  const deliveredStep = step(page, "See it delivered");
  await expect(deliveredStep).toHaveAttribute("aria-current", "step");
  await expect(deliveredStep).toContainText("a trace goes to the destinations that exist when it arrives");
  await screenshot(page, "first-run-last-step-desktop");
  runCurl(await deliveredStep.locator("pre").nth(1).innerText());
  await expect.poll(() => bodies.filter((b) => b.includes("Hello from my app")).length, { timeout: 20_000 }).toBe(1);
  // Delivered: the guide has done its job and goes away.
  await expect(guide(page)).toHaveCount(0, { timeout: 15_000 });
  await screenshot(page, "first-run-done-desktop");
  await context.close();
});

test("the API keys screen's new-key dialog shows the endpoint and a working snippet; the guide in dark", async ({ browser }) => {
  const { page, context } = await signedUpPage(browser, "Keys");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "first-run-start-dark-desktop");
  await page.getByRole("link", { name: "API keys" }).first().click();
  await page.getByRole("button", { name: "Create API key" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Server");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const secret = await dialog.getByLabel("API key").inputValue();
  const fetchCode = await dialog.locator("pre").nth(2).innerText();
  expect(fetchCode).toContain(`fetch("${new URL(page.url()).origin}/api/v1/traces"`);
  expect(fetchCode).toContain(`Bearer ${secret}`);
  runCurl(await dialog.locator("pre").nth(1).innerText());
  await screenshot(page, "api-key-created-dark-desktop");
  await dialog.getByRole("button", { name: "Done" }).click();
  // The guide counts the trace the snippet sent.
  await page.getByRole("link", { name: "Observability" }).first().click();
  await expect(step(page, "Send a trace")).toHaveAttribute("data-state", "done");
  await expect(step(page, "Add a destination")).toHaveAttribute("aria-current", "step");
  await context.close();
});

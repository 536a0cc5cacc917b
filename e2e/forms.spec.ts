import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signedUpPage } from "./helpers";

// The destination form and sign-up as a newcomer meets them (issue 25, points 1 and 6): every error
// at once and inline, platform key formats, Snowflake's PEM key, auth switch and table SQL,
// "Generate" for the webhook secret, Save only when something changed, the unsaved-changes guard,
// disabled vs paused, the sampling stops, the picker's focus, brand marks, the delivery log on a phone.

let receiver: { url: (path: string) => string; close: () => Promise<void> };
test.beforeAll(async () => {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const fail = req.url?.startsWith("/fail");
      res.writeHead(fail ? 500 : 200, { "content-type": "application/json" });
      res.end(fail ? '{"error":"receiver exploded"}' : '{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver = { url: (path) => `http://127.0.0.1:${port}${path}`, close: () => new Promise((done) => server.close(() => done())) };
});
test.afterAll(async () => receiver.close());

/** Goes to `url`, saying yes if the page asks whether to leave. */
async function leaveTo(page: Page, url: string) {
  const accept = (dialog: { accept: () => Promise<void> }) => void dialog.accept();
  page.on("dialog", accept);
  await page.goto(url);
  page.off("dialog", accept);
}

async function openPlatform(page: Page, search: string, name: RegExp) {
  await page.getByRole("button", { name: "Add destination" }).first().click();
  const catalog = page.getByRole("dialog", { name: "Add a destination" });
  await catalog.getByLabel("Search platforms").fill(search);
  await catalog.getByRole("link", { name }).click();
}

test("sign-up: each error once, inline, without the browser's tooltip", async ({ page }) => {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Ada");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  // The form was submitted (no native tooltip stopped it) and each message appears once.
  await expect(page.getByText("At least 8 characters")).toHaveCount(1);
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, "forms-sign-up-errors");
});

test("destination form: errors at once, key formats, Snowflake, Generate, Save, guard, states, sampling", async ({ browser }) => {
  test.setTimeout(180_000);
  const { page, context } = await signedUpPage(browser, "Forms");

  // The picker: its search has the focus as soon as it opens; brand marks where the package has them.
  await page.getByRole("button", { name: "Add destination" }).first().click();
  const catalog = page.getByRole("dialog", { name: "Add a destination" });
  await expect(catalog.getByLabel("Search platforms")).toBeFocused();
  await expect(catalog.locator('svg[data-mark="brand"]').first()).toBeVisible();
  await page.keyboard.type("post");
  await expect(catalog.getByRole("link", { name: /PostHog/ })).toBeVisible();
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await screenshot(page, "forms-catalog-marks");
  await page.keyboard.press("Escape");

  // Langfuse with the two keys swapped and no base URL problem: both errors at once, before any request.
  await openPlatform(page, "langfuse", /Langfuse/);
  await page.getByLabel(/^Secret Key/).fill("pk-lf-123");
  await page.getByLabel(/^Public Key/).fill("sk-lf-456");
  await page.getByRole("button", { name: /Test & save|Save/ }).click();
  await expect(page.getByText("This is the Public Key (pk-lf-…): the Secret Key starts with sk-lf-")).toBeVisible();
  await expect(page.getByText("This is the Secret Key (sk-lf-…): the Public Key starts with pk-lf-")).toBeVisible();
  await expect(page.getByLabel(/^Secret Key/)).toBeFocused();
  await screenshot(page, "forms-langfuse-swapped-keys");

  // Snowflake: only the chosen method's fields, the PEM key in a textarea, the table SQL while typing.
  await leaveTo(page, page.url().replace(/\/new\/langfuse$/, "/new/snowflake")); // leaving an edited form asks first
  await expect(page.getByRole("heading", { name: "Add Snowflake", level: 1 })).toBeVisible();
  await expect(page.getByLabel(/^Token/)).toBeVisible();
  await expect(page.getByLabel(/^Private Key/)).toHaveCount(0);
  await page.getByRole("combobox", { name: /Authentication/ }).click();
  await page.getByRole("option", { name: "Key pair (JWT)" }).click();
  await expect(page.getByLabel(/^Token/)).toHaveCount(0);
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const keyBox = page.getByLabel(/^Private Key/);
  await expect(keyBox).toHaveJSProperty("tagName", "TEXTAREA");
  await keyBox.fill(key);
  expect((await keyBox.inputValue()).split("\n").length).toBeGreaterThan(20);
  await page.getByRole("textbox", { name: /^Account/ }).fill("myorg-myaccount");
  const sql = page.locator("section", { has: page.getByRole("heading", { name: "Table setup" }) }).locator("pre");
  await expect(sql).toContainText("CREATE TABLE IF NOT EXISTS SNOWFLAKE_LEARNING_DB.PUBLIC.OPENROUTER_TRACES");
  await page.getByRole("textbox", { name: /^Table/ }).fill("LLM_CALLS");
  await expect(sql).toContainText("SNOWFLAKE_LEARNING_DB.PUBLIC.LLM_CALLS");
  await page.getByRole("button", { name: /Test & save|Save/ }).click();
  await expect(page.getByText("User is required")).toBeVisible(); // the key pair's user, named before sending
  await screenshot(page, "forms-snowflake-keypair");

  // Webhook: Generate a signing secret (shown once, in clear, with Copy), then save.
  await leaveTo(page, page.url().replace(/\/new\/snowflake$/, "/new/webhook"));
  await page.getByLabel("Name", { exact: true }).fill("Receiver");
  await page.getByLabel(/^URL/).fill(receiver.url("/ok"));
  await page.getByRole("button", { name: "Generate" }).click();
  const secret = page.getByLabel(/^Signing secret/);
  await expect(secret).toHaveValue(/^whsec_[A-Za-z0-9+/]{43}=$/);
  await expect(page.getByRole("button", { name: "Copy Signing secret" })).toBeVisible();
  await screenshot(page, "forms-webhook-generated-secret");
  await page.getByRole("button", { name: /Test & save|Save/ }).click();
  await expect(page.getByRole("heading", { name: "Receiver", level: 1 })).toBeVisible({ timeout: 30_000 });

  // Settings of the saved destination: nothing changed, nothing to save; the secret is masked now.
  await page.getByRole("tab", { name: "Settings" }).click();
  const save = page.getByRole("button", { name: "Save", exact: true });
  await expect(save).toBeDisabled();
  await expect(page.getByText("No unsaved changes.")).toBeVisible();
  await expect(page.getByLabel(/^Signing secret/)).toHaveValue(/^whse\.\.\./);
  await screenshot(page, "forms-saved-unchanged");

  // An edit enables Save; leaving through an in-app link asks first (stay), and so does closing the tab.
  await page.getByLabel("Name", { exact: true }).fill("Receiver 2");
  await expect(save).toBeEnabled();
  const questions: string[] = [];
  page.once("dialog", (d) => {
    questions.push(d.message());
    void d.dismiss();
  });
  await page.getByRole("link", { name: "Observability" }).first().click();
  await expect.poll(() => questions).toEqual(["You have unsaved changes. Leave this page and lose them?"]);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Receiver 2");
  // Switching tabs keeps the edits.
  await page.getByRole("tab", { name: "Overview" }).click();
  await page.getByRole("tab", { name: "Settings" }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Receiver 2");

  // Sampling: labelled stops set the rate.
  await page.getByRole("button", { name: "Sample 10%" }).click();
  await expect(page.getByLabel("Sampling rate in percent")).toHaveValue("10");
  await page.getByRole("button", { name: "Sample 10%" }).focus(); // a focus ring on screen in the picture
  await screenshot(page, "forms-edited-sampling-stops");

  // Disabled, not paused: saved off, the header offers no Pause/Resume and says what happens.
  await page.getByRole("switch", { name: "Enabled" }).click();
  await save.click();
  await expect(save).toBeDisabled();
  await expect(page.getByText(/^Disabled\. New traces are not queued for it/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Pause" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Resume" })).toHaveCount(0);
  await screenshot(page, "forms-disabled-destination");

  // beforeunload: an edited form makes the browser ask before the tab closes.
  await page.getByLabel("Name", { exact: true }).fill("Receiver 3");
  const unload = new Promise<string>((resolve) => page.once("dialog", (d) => { resolve(d.type()); void d.dismiss(); }));
  await page.close({ runBeforeUnload: true });
  expect(await unload).toBe("beforeunload");
  await context.close();
});

test("delivery log on a phone: status and error stay on screen", async ({ browser }) => {
  const { page, context, workspaceId } = await signedUpPage(browser, "Phone", { width: 375, height: 812 });
  const api = `/api/workspaces/${workspaceId}`;
  const created = await page.request.post(`${api}/destinations`, {
    data: { type: "webhook", name: "Failing receiver", enabled: true, config: { url: receiver.url("/fail") } },
  });
  expect(created.status()).toBe(201);
  const id = ((await created.json()) as { destination: { id: string } }).destination.id;
  expect((await page.request.post(`${api}/destinations/${id}/test-trace`)).ok()).toBe(true);
  await page.goto(`/w/${workspaceId}/settings/observability/${id}?tab=deliveries`);
  const row = page.getByRole("table", { name: "Delivery log" }).getByRole("row").nth(1);
  await expect(row).toContainText(/Retrying|Failed/, { timeout: 30_000 });
  for (const header of ["Status", "Error"]) {
    const box = (await page.getByRole("columnheader", { name: header }).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
  }
  const error = row.getByRole("cell").last(); // the Error column
  await expect(error).toContainText(/500|receiver exploded/);
  // The search form comes first on a phone: bring the log up (vertically only; the table's left edge
  // is on screen, so nothing scrolls sideways), then the error must be on screen without scrolling right.
  await page.getByRole("table", { name: "Delivery log" }).evaluate((table) => table.scrollIntoView({ block: "start", inline: "nearest" }));
  await expect(error).toBeInViewport();
  await screenshot(page, "forms-delivery-log-375");
  await context.close();
});

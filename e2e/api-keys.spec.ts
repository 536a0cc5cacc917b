import { createHash } from "node:crypto";
import { expect, test } from "@playwright/test";
import { newUser, signUp } from "./helpers";

test("create an API key (secret shown once) and revoke it", async ({ page }) => {
  await signUp(page, newUser("Keys"));
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByText("No API keys yet")).toBeVisible();

  await page.getByRole("button", { name: "Create API key" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Production backend");
  await dialog.getByRole("button", { name: "Create key" }).click();

  await expect(dialog.getByText("You won't see it again.")).toBeVisible();
  const secret = await dialog.getByLabel("API key").inputValue();
  expect(secret).toMatch(/^tc_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Copy key" }).click();
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row", { name: /Production backend/ });
  await expect(row).toContainText(`${secret.slice(0, 12)}…`);
  await expect(row).toContainText("Active");
  // The list shows the prefix only: the secret is nowhere on the page any more.
  await expect(page.locator("body")).not.toContainText(secret);

  // The key works for ingestion auth… (a 401 would mean it was not accepted)
  const before = await page.request.post("/api/v1/traces", {
    headers: { authorization: `Bearer ${secret}` },
    data: {},
  });
  expect(before.status()).not.toBe(401);

  await row.getByRole("button", { name: "Revoke Production backend" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("This cannot be undone");
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);

  // …and is refused once revoked.
  const after = await page.request.post("/api/v1/traces", { headers: { authorization: `Bearer ${secret}` }, data: {} });
  expect(after.status()).toBe(401);
});

test("create a management key (shown once), use it on the management API, see each ingest key's hash", async ({ page }) => {
  await signUp(page, newUser("Mgmt"));
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByText("No management keys yet")).toBeVisible();

  // An ingest key, whose hash the management API names it by.
  await page.getByRole("button", { name: "Create API key" }).first().click();
  let dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Backend");
  await dialog.getByRole("button", { name: "Create key" }).click();
  const ingestSecret = await dialog.getByLabel("API key").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();
  const ingestRow = page.getByRole("row", { name: /Backend/ });
  const hash = createHash("sha256").update(ingestSecret).digest("hex");
  await expect(ingestRow).toContainText(`hash ${hash.slice(0, 12)}…`);

  await page.getByRole("button", { name: "Create management key" }).first().click();
  dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Terraform");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByText("You won't see it again.")).toBeVisible();
  const secret = await dialog.getByLabel("Management key").inputValue();
  expect(secret).toMatch(/^tcm_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("region", { name: "Management keys" }).getByRole("row", { name: /Terraform/ });
  await expect(row).toContainText("Never");
  await expect(page.locator("body")).not.toContainText(secret);

  // It works on the management API, and only there.
  const created = await page.request.post("/api/v1/observability/destinations", {
    headers: { authorization: `Bearer ${secret}` },
    data: { type: "webhook", name: "Via API", config: { url: "https://hooks.example.com/llm" }, api_key_hashes: [hash] },
  });
  expect(created.status()).toBe(201);
  expect((await created.json()).data).toMatchObject({ name: "Via API", api_key_hashes: [hash] });
  const listed = await page.request.get("/api/v1/observability/destinations", { headers: { authorization: `Bearer ${secret}` } });
  expect(await listed.json()).toMatchObject({ total_count: 1 });
  expect((await page.request.post("/api/v1/traces", { headers: { authorization: `Bearer ${secret}` }, data: {} })).status()).toBe(401);
  expect((await page.request.get("/api/v1/observability/destinations", { headers: { authorization: `Bearer ${ingestSecret}` } })).status()).toBe(401);

  await page.reload();
  await expect(row).not.toContainText("Never");
  await row.getByRole("button", { name: "Revoke Terraform" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("Revoked");
  expect((await page.request.get("/api/v1/observability/destinations", { headers: { authorization: `Bearer ${secret}` } })).status()).toBe(401);
});

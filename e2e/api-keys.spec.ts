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

import { expect, test } from "@playwright/test";
import { DEMO, signIn } from "./helpers";

test.use({ viewport: { width: 375, height: 812 } });

test("at 375 px the sidebar is a sheet behind the menu button", async ({ page }) => {
  await signIn(page, DEMO.owner);
  const nav = page.getByRole("navigation", { name: "Workspace" });
  await expect(nav).toBeHidden();
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

  await page.getByRole("button", { name: "Open menu" }).click();
  const sheet = page.getByRole("dialog", { name: "Menu" });
  await expect(sheet).toBeVisible();
  await sheet.getByRole("link", { name: "API keys" }).click();
  await page.waitForURL(/\/api-keys$/);
  await expect(sheet).toBeHidden();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();

  // The workspace switcher works from the sheet too.
  await page.getByRole("button", { name: "Open menu" }).click();
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await page.getByRole("menuitem", { name: new RegExp(DEMO.organization) }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Open menu" }).click();
  await expect(page.getByRole("button", { name: /Switch workspace/ })).toContainText(DEMO.organization);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Menu" })).toBeHidden();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});

import { expect, test } from "@playwright/test";
import { DEMO, screenshot, signIn, switchWorkspace } from "./helpers";

// Pictures of every main screen at desktop width and at 375 px, for people to review
// (e2e/screenshots/, git-ignored). Each also checks the screen rendered its content.
const VIEWPORTS = [
  { name: "desktop", size: { width: 1280, height: 800 } },
  { name: "mobile", size: { width: 375, height: 812 } },
] as const;

for (const viewport of VIEWPORTS) {
  test(`main screens at ${viewport.name} width`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: viewport.size });
    const page = await context.newPage();

    await page.goto("/sign-in");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await screenshot(page, `sign-in-${viewport.name}`);
    await page.goto("/sign-up");
    await expect(page.getByRole("button", { name: "Create account" })).toBeVisible();
    await screenshot(page, `sign-up-${viewport.name}`);

    await signIn(page, DEMO.owner);
    if (viewport.name === "mobile") await page.getByRole("button", { name: "Open menu" }).click();
    const orgId = await switchWorkspace(page, DEMO.organization);

    const screens = [
      { path: "settings/observability", heading: "Observability", name: "observability" },
      { path: "api-keys", heading: "API keys", name: "api-keys" },
      { path: "members", heading: "Members", name: "members" },
      { path: "audit", heading: "Audit log", name: "audit" },
    ];
    for (const screen of screens) {
      await page.goto(`/w/${orgId}/${screen.path}`);
      await expect(page.getByRole("heading", { name: screen.heading, level: 1 })).toBeVisible();
      await screenshot(page, `${screen.name}-${viewport.name}`);
    }

    // The dialogs people meet most: a new key's one-time secret, and adding a member.
    await page.goto(`/w/${orgId}/api-keys`);
    await page.getByRole("button", { name: "Create API key" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill(`Screenshot ${viewport.name}`);
    await page.getByRole("button", { name: "Create key" }).click();
    await expect(page.getByText("You won't see it again.")).toBeVisible();
    await page.waitForTimeout(300); // the dialog's zoom-in animation
    await page.screenshot({ path: `e2e/screenshots/api-key-secret-${viewport.name}.png` });
    await page.getByRole("button", { name: "Done" }).click();

    await page.goto(`/w/${orgId}/members`);
    await page.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByRole("dialog", { name: "Add member" })).toBeVisible();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `e2e/screenshots/add-member-${viewport.name}.png` });
    await page.keyboard.press("Escape");

    if (viewport.name === "mobile") {
      await page.getByRole("button", { name: "Open menu" }).click();
      await expect(page.getByRole("dialog", { name: "Menu" })).toBeVisible();
      await page.waitForTimeout(600); // the sheet's slide-in animation
      await page.screenshot({ path: `e2e/screenshots/menu-${viewport.name}.png` });
    }
    await context.close();
  });
}

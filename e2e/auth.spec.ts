import { expect, test } from "@playwright/test";
import { newUser, signIn, signUp } from "./helpers";

test("sign-up lands in the new personal workspace", async ({ page }) => {
  const user = newUser("Ada");
  await signUp(page, user);
  await expect(page.getByRole("heading", { name: "Observability", level: 1 })).toBeVisible();
  await expect(page.getByText("No destinations yet")).toBeVisible();
  const switcher = page.getByRole("button", { name: /Switch workspace/ });
  await expect(switcher).toContainText(`${user.name}'s workspace`);
  await expect(switcher).toContainText("Personal · Owner");
});

test("sign-up shows the server's field errors inline", async ({ page }) => {
  const user = newUser("Taken");
  await signUp(page, user);
  await page.context().clearCookies();

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Someone else");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  const password = page.getByLabel("Password");
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("At least 8 characters", { exact: true })).toBeVisible();
  // The typed values survive the failed submit.
  await expect(page.getByLabel("Email")).toHaveValue(user.email);

  await password.fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("An account with this email already exists")).toBeVisible();
});

test("sign-in rejects a wrong password and accepts the right one; sign-out ends the session", async ({ page, browser }) => {
  const user = newUser("Grace");
  await signUp(page, user);
  const copied = await page.context().cookies();
  await page.getByRole("button", { name: /Account:/ }).click();
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await page.waitForURL(/\/sign-in/);

  // The session cookie copied before signing out no longer opens the app.
  const replay = await browser.newContext();
  await replay.addCookies(copied);
  const replayPage = await replay.newPage();
  await replayPage.goto("/");
  await expect(replayPage).toHaveURL(/\/sign-in/);
  expect((await replayPage.request.get("/api/workspaces")).status()).toBe(401);
  await replay.close();

  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);

  await signIn(page, user);
  await expect(page.getByRole("heading", { name: "Observability", level: 1 })).toBeVisible();
});

test("sign out everywhere ends the other browser's session too", async ({ page, browser }) => {
  const user = newUser("Everywhere");
  await signUp(page, user);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, user);
  await expect(otherPage.getByRole("heading", { name: "Observability", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: /Account:/ }).click();
  await page.getByRole("menuitem", { name: "Sign out everywhere" }).click();
  await page.waitForURL(/\/sign-in/);

  await otherPage.reload();
  await expect(otherPage).toHaveURL(/\/sign-in/);
  await other.close();
});

test("signed-out visitors of / and of a workspace page are sent to sign-in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/w/some-workspace/members");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  // OAuth buttons appear only for configured providers; the e2e server configures none.
  await expect(page.getByRole("button", { name: /Continue with/ })).toHaveCount(0);
});

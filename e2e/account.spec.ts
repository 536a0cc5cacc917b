// Account basics (issue 25.4): profile name, change password, forgot password by email (a real SMTP
// server on loopback receives the link), sign out everywhere.
import { expect, test } from "@playwright/test";
import { E2E_SMTP_PORT } from "../playwright.config";
import { startSmtpReceiver, type SmtpReceiver } from "../tests/receivers/smtp";
import { screenshot, signedUpPage } from "./helpers";

let smtp: SmtpReceiver;
test.beforeAll(async () => {
  smtp = await startSmtpReceiver({}, E2E_SMTP_PORT);
});
test.afterAll(() => smtp.close());

test("profile, password change, forgot password by email, sign out everywhere", async ({ browser }) => {
  // Sign-up, three password hashes and two sign-ins: longer than one screen.
  test.setTimeout(150_000);
  const { context, page, user } = await signedUpPage(browser, "Account");

  // Profile: the account menu leads to the account screen; a new name shows in the sidebar.
  await page.getByRole("button", { name: `Account: ${user.email}` }).click();
  await page.getByRole("menuitem", { name: "Account settings" }).click();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save name" })).toBeDisabled();
  await screenshot(page, "account");
  await page.getByLabel("Name").fill("Renamed Person");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("button", { name: `Account: ${user.email}` })).toContainText("Renamed Person");

  // Change password: the wrong current password is named under its field.
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("brand new password 1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This is not your current password")).toBeVisible();
  await screenshot(page, "account-password-wrong");
  await page.getByLabel("Current password").fill(user.password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveValue("");

  // Sign out everywhere asks first, then ends this session too.
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Sign out everywhere?" });
  await expect(confirm).toBeVisible();
  await screenshot(page, "account-sign-out-everywhere");
  await confirm.getByRole("button", { name: "Sign out everywhere" }).click();
  await page.waitForURL(/\/sign-in/);

  // Forgot password: the link arrives by email and sets a new password once.
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByText("Forgot your password?")).toBeVisible();
  await screenshot(page, "forgot-password");
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByText("If an account uses this email, a reset link is on its way.")).toBeVisible();
  await screenshot(page, "forgot-password-sent");
  const [mail] = await smtp.waitFor(1);
  expect(mail.to).toEqual([user.email]);
  const link = /(http:\/\/\S+\/reset-password#token=\S+)/.exec(mail.text)![1];

  await page.goto(link);
  await expect(page.getByText("Choose a new password")).toBeVisible();
  // The page's script takes the token out of the address once it has loaded (the text above is served before it).
  await expect.poll(() => new URL(page.url()).hash).toBe("");
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("At least 8 characters", { exact: true })).toBeVisible();
  await screenshot(page, "reset-password-error");
  await page.getByLabel("New password").fill("reset password 22");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password is changed")).toBeVisible();
  await screenshot(page, "reset-password-done");

  // The same link again is refused, with a way to ask for a new one (from another page: a fragment-only change would not load it).
  await page.goto("about:blank");
  await page.goto(link);
  await page.getByLabel("New password").fill("another password 3");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("This reset link is invalid, used or expired. Ask for a new one.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();
  await expect(page.getByLabel("New password")).toHaveCount(0);
  await screenshot(page, "reset-password-used");

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("reset password 22");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/[^/]+\//);
  await context.close();
});

import { expect, test } from "@playwright/test";
import { createOrganization, DEMO, newUser, signedUpPage, signIn, signUp, switchWorkspace } from "./helpers";

test("create an organization from the workspace switcher", async ({ page }) => {
  await signUp(page, newUser("Owner"));
  const personalId = /\/w\/([^/]+)\//.exec(page.url())?.[1];
  const orgId = await createOrganization(page, "Initech Labs");
  expect(orgId).not.toBe(personalId);
  await expect(page.getByRole("button", { name: /Switch workspace/ })).toContainText("Organization · Owner");

  // Both workspaces are listed, each with the role.
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await expect(page.getByRole("menuitem", { name: /Initech Labs\s*Owner/ })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: /'s workspace\s*Owner/ })).toBeVisible();
  await page.keyboard.press("Escape");

  // The create dialog shows the server's field error for a blank name.
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await page.getByRole("menuitem", { name: "Create organization" }).click();
  const dialog = page.getByRole("dialog", { name: "Create organization" });
  await dialog.getByLabel("Organization name").fill("   ");
  await dialog.getByRole("button", { name: "Create organization" }).click();
  await expect(dialog.getByLabel("Organization name")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText("Name is required")).toBeVisible();
});

test("add a member by email, change the role, then remove them", async ({ page, browser }) => {
  const teammate = await signedUpPage(browser, "Teammate");
  await teammate.context.close();

  await signUp(page, newUser("Lead"));
  await createOrganization(page, "Hooli");
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();

  // An email without an account is refused on the email field.
  await page.getByRole("button", { name: "Add member" }).click();
  let dialog = page.getByRole("dialog", { name: "Add member" });
  await dialog.getByLabel("Email").fill("nobody-here@example.com");
  await dialog.getByRole("button", { name: "Add member" }).click();
  await expect(dialog.getByText("No account uses this email")).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole("button", { name: "Add member" }).click();
  dialog = page.getByRole("dialog", { name: "Add member" });
  await dialog.getByLabel("Email").fill(teammate.user.email);
  await dialog.getByLabel("Role").click();
  await page.getByRole("option", { name: "Member" }).click();
  await dialog.getByRole("button", { name: "Add member" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row", { name: new RegExp(teammate.user.email) });
  const roleSelect = row.getByRole("combobox", { name: `Role of ${teammate.user.email}` });
  await expect(roleSelect).toHaveText("Member");
  await roleSelect.click();
  await page.getByRole("option", { name: "Admin" }).click();
  await expect(page.getByText(`${teammate.user.email} is now admin`)).toBeVisible();
  await page.reload();
  await expect(page.getByRole("combobox", { name: `Role of ${teammate.user.email}` })).toHaveText("Admin");

  await page.getByRole("button", { name: `Remove ${teammate.user.email}` }).click();
  const confirm = page.getByRole("alertdialog");
  await confirm.getByRole("button", { name: "Remove member" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(teammate.user.email) })).toHaveCount(0);
});

test("a member sees no API key or member management controls", async ({ page }) => {
  await signIn(page, DEMO.member);
  const orgId = await switchWorkspace(page, DEMO.organization);
  await expect(page.getByRole("button", { name: /Switch workspace/ })).toContainText("Organization · Member");

  await page.goto(`/w/${orgId}/api-keys`);
  await expect(page.getByRole("table", { name: "API keys" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Demo app/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create API key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Create management key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);

  await page.goto(`/w/${orgId}/members`);
  await expect(page.getByRole("table", { name: "Members" })).toBeVisible();
  await expect(page.getByRole("row", { name: /admin@demo\.tracecast\.dev/ })).toContainText("Owner");
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Invite link" })).toHaveCount(0);
  await expect(page.getByRole("combobox")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Pending invites" })).toHaveCount(0);

  // The server refuses what the UI hides.
  const res = await page.request.post(`/api/workspaces/${orgId}/api-keys`, { data: { name: "sneaky" } });
  expect(res.status()).toBe(403);
  const management = await page.request.post(`/api/workspaces/${orgId}/management-keys`, { data: { name: "sneaky" } });
  expect(management.status()).toBe(403);
});

test("an invite link lets a new person sign up and join with the invite's role", async ({ page, browser }) => {
  await signUp(page, newUser("Inviter"));
  await createOrganization(page, "Pied Piper");
  await page.getByRole("link", { name: "Members" }).click();
  await page.getByRole("button", { name: "Invite link" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an invite link" });
  await dialog.getByLabel("Role").click();
  await page.getByRole("option", { name: "Admin" }).click();
  await dialog.getByRole("button", { name: "Create link" }).click();
  const link = await page.getByRole("textbox", { name: "Invite link" }).inputValue();
  expect(link).toMatch(/\/invite\/[^/]+$/);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "Pending invites" }).getByRole("row")).toHaveCount(2);

  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  await guest.goto(link);
  await expect(guest.getByText("Join Pied Piper as admin")).toBeVisible();
  await guest.getByRole("link", { name: "Create an account" }).click();
  const user = newUser("Guest");
  await guest.getByLabel("Name").fill(user.name);
  await guest.getByLabel("Email").fill(user.email);
  await guest.getByLabel("Password").fill(user.password);
  await guest.getByRole("button", { name: "Create account" }).click();
  await guest.waitForURL(/\/invite\//);
  await guest.getByRole("button", { name: "Join Pied Piper" }).click();
  await guest.waitForURL(/\/settings\/observability$/);
  await expect(guest.getByRole("button", { name: /Switch workspace/ })).toContainText("Pied Piper");
  await expect(guest.getByRole("button", { name: /Switch workspace/ })).toContainText("Organization · Admin");
  await guestContext.close();

  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(user.email) })).toBeVisible();
  await expect(page.getByText("No pending invites")).toBeVisible();
});

import { expect, type Browser, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";

export type TestUser = { name: string; email: string; password: string };

let counter = 0;
/** A user no other test (or earlier run on the same database) has used. */
export function newUser(label: string): TestUser {
  counter += 1;
  const id = `${Date.now().toString(36)}${counter}`;
  return { name: `${label} ${id}`, email: `${label.toLowerCase()}-${id}@example.com`, password: PASSWORD };
}

/** Signs up through the form and waits for the personal workspace; returns its id. */
export async function signUp(page: Page, user: TestUser): Promise<string> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/w\/[^/]+\/settings\/observability$/);
  return workspaceIdOf(page);
}

export async function signIn(page: Page, user: Pick<TestUser, "email" | "password">): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/[^/]+\//);
}

/** A fresh browser context (own cookies) with a signed-up user in it. */
export async function signedUpPage(browser: Browser, label: string, viewport?: { width: number; height: number }) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  const user = newUser(label);
  const workspaceId = await signUp(page, user);
  return { context, page, user, workspaceId };
}

export function workspaceIdOf(page: Page): string {
  const match = /\/w\/([^/]+)\//.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`not on a workspace page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

/** Creates an organization from the workspace switcher and waits until it is open. */
export async function createOrganization(page: Page, name: string): Promise<string> {
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await page.getByRole("menuitem", { name: "Create organization" }).click();
  const dialog = page.getByRole("dialog", { name: "Create organization" });
  await dialog.getByLabel("Organization name").fill(name);
  await dialog.getByRole("button", { name: "Create organization" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: new RegExp(`Workspace: ${name}`) })).toBeVisible();
  return workspaceIdOf(page);
}

/** A full-page screenshot for people to look at (e2e/screenshots is git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  // Let skeletons give way to data and toasts fade before the picture is taken.
  await page.waitForLoadState("networkidle");
  await expect(page.locator('[role="status"][aria-label^="Loading"]')).toHaveCount(0);
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
}

/** The logins prisma/seed.mts creates: Acme AI's owner and a plain member. */
export const DEMO = {
  owner: { email: "admin@demo.tracecast.dev", password: "tracecast-demo" },
  member: { email: "member@demo.tracecast.dev", password: "tracecast-demo" },
  organization: "Acme AI",
} as const;

/**
 * Opens another workspace from the switcher by name and waits for it (the switcher must be on
 * screen: at phone width, open the menu first).
 */
export async function switchWorkspace(page: Page, name: string): Promise<string> {
  const from = workspaceIdOf(page);
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await page.getByRole("menuitem", { name: new RegExp(name) }).click();
  await page.waitForURL((url) => !url.pathname.startsWith(`/w/${from}/`));
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  return workspaceIdOf(page);
}

export type DemoPerson = { page: Page; orgId: string; close: () => Promise<void> };

/** Signs a demo user in, in a fresh context (own cookies), and returns the demo organization's id. */
export async function signInToDemoOrganization(browser: Browser, login: { email: string; password: string }, viewport?: { width: number; height: number }): Promise<DemoPerson> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  await signIn(page, login);
  const res = await page.request.get("/api/workspaces");
  const { workspaces } = (await res.json()) as { workspaces: { id: string; name: string }[] };
  const org = workspaces.find((w) => w.name === DEMO.organization);
  if (!org) throw new Error(`${login.email} is not in ${DEMO.organization}`);
  return { page, orgId: org.id, close: () => context.close() };
}

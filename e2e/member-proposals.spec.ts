// A member of an organization, before and after proposing (issue 25 point 2), at 1366 px: the
// screens say changes go to an admin ("Propose …" buttons and a banner), the proposal takes a
// comment the admin sees as plain text, the request links to its destination, and the decision
// reaches the member's bell (unread count, marked read when opened).
import { expect, test } from "@playwright/test";
import { DEMO, screenshot, signInToDemoOrganization, type DemoPerson } from "./helpers";

const VIEWPORT = { width: 1366, height: 900 };
const api = (orgId: string, ...segments: string[]) => ["/api/workspaces", orgId, ...segments].join("/");

let member: DemoPerson;
let admin: DemoPerson;
let destination: { id: string; name: string };
const COMMENT = "Pausing for the <b>migration</b> tonight";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  member = await signInToDemoOrganization(browser, DEMO.member, VIEWPORT);
  admin = await signInToDemoOrganization(browser, DEMO.owner, VIEWPORT);
  const created = await admin.page.request.post(api(admin.orgId, "destinations"), {
    data: { type: "webhook", name: `Hook ${Date.now().toString(36)}`, config: { url: "http://127.0.0.1:9/hook" } },
  });
  expect(created.status()).toBe(201);
  destination = (await created.json()).destination;
  // Earlier specs may have left decisions in the member's bell: start from none unread.
  expect((await member.page.request.post(api(member.orgId, "notifications", "read"), { data: { all: true } })).status()).toBe(200);
});
test.afterAll(async () => {
  await member?.close();
  await admin?.close();
});

test("the member's screens say that changes go to an admin: a banner and “Propose …” buttons", async () => {
  const page = member.page;
  await page.goto(`/w/${member.orgId}/settings/observability`);
  await expect(page.getByRole("note", { name: "Changes need approval" })).toContainText("Your changes go to an admin for approval.");
  await expect(page.getByRole("button", { name: "Propose destination" }).first()).toBeVisible();
  await page.getByRole("button", { name: `Actions for ${destination.name}` }).click();
  await expect(page.getByRole("menuitem", { name: "Propose pause" })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "Propose deletion" })).toBeVisible();
  await page.keyboard.press("Escape");
  await screenshot(page, "member-observability-1366");

  // The Broadcast switch asks first, and says nothing changes until approval.
  await page.getByRole("switch", { name: "Broadcast" }).click();
  const confirm = page.getByRole("dialog", { name: "Propose turning broadcast off?" });
  await expect(confirm).toContainText("Until then the switch stays as it is.");
  await screenshot(page, "member-broadcast-confirm-1366");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("switch", { name: "Broadcast" })).toBeChecked();
  const pending = await page.request.get(`${api(member.orgId, "change-requests")}?status=pending&mine=true`);
  expect(((await pending.json()).changeRequests as { title: string }[]).map((r) => r.title)).not.toContain("Turn broadcast off");

  await page.goto(`/w/${member.orgId}/settings/observability/${destination.id}`);
  await expect(page.getByRole("note", { name: "Changes need approval" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Propose pause" })).toBeVisible();
  await expect(page.getByRole("button", { name: `Propose deleting ${destination.name}` })).toBeVisible();
});

test("proposing asks for a comment, which the admin sees as typed; the request links to its destination", async () => {
  const page = member.page;
  await page.getByRole("button", { name: "Propose pause" }).click();
  const sent = page.getByRole("dialog", { name: "Sent for approval" });
  await expect(sent).toContainText(`Pause “${destination.name}” takes effect once an owner or admin`);
  await sent.getByLabel("Comment for the admin (optional)").fill(COMMENT);
  await screenshot(page, "member-proposal-sent-1366");
  await sent.getByRole("button", { name: "Add comment" }).click();
  await expect(sent).toBeHidden();
  // Nothing applied yet.
  const now = await page.request.get(api(member.orgId, "destinations", destination.id));
  expect((await now.json()).destination.status).toBe("active");

  await admin.page.goto(`/w/${admin.orgId}/approvals`);
  const card = admin.page.getByRole("article", { name: `Pause “${destination.name}”` });
  await expect(card.getByRole("figure")).toContainText(`Comment from ${DEMO.member.email}`);
  await expect(card.locator("blockquote")).toHaveText(COMMENT);
  await expect(card.locator("blockquote b")).toHaveCount(0);
  await expect(card.getByRole("link", { name: `Open ${destination.name}` })).toHaveAttribute("href", `/w/${admin.orgId}/settings/observability/${destination.id}`);
  await card.getByRole("button", { name: "Approve" }).click();
  const dialog = admin.page.getByRole("dialog", { name: "Approve this change?" });
  await expect(dialog.locator("blockquote")).toHaveText(COMMENT);
  await screenshot(admin.page, "admin-approve-with-comment-1366");
  await dialog.getByRole("button", { name: "Approve and apply" }).click();
  await expect(dialog).toBeHidden();
});

test("the decision reaches the member's bell: unread count, the outcome, marked read when opened", async () => {
  const page = member.page;
  await page.goto(`/w/${member.orgId}/settings/observability`);
  const bell = page.getByRole("button", { name: "Notifications, 1 unread" });
  await expect(bell).toBeVisible({ timeout: 40_000 });
  await expect(bell.getByTestId("notifications-unread")).toHaveText("1");
  await bell.click();
  const item = page.getByRole("link", { name: new RegExp(`Approved: Pause “${destination.name}”`) });
  await expect(item).toContainText(`Approved by ${DEMO.owner.email} and applied.`);
  await screenshot(page, "member-notifications-1366");
  await item.click();
  await page.waitForURL(new RegExp(`/approvals#change-request-`));
  await expect(page.getByRole("list", { name: "Notifications" })).toBeHidden();
  const card = page.getByRole("article", { name: `Pause “${destination.name}”` });
  await expect(card).toContainText("Approved");
  await expect(page.getByRole("button", { name: "Notifications", exact: true })).toBeVisible();
  const list = await page.request.get(api(member.orgId, "notifications"));
  expect((await list.json()).unread).toBe(0);
  await screenshot(page, "member-my-requests-1366");
  await card.getByRole("link", { name: `Open ${destination.name}` }).click();
  await page.waitForURL(new RegExp(`/settings/observability/${destination.id}$`));
  await expect(page.getByRole("heading", { name: destination.name })).toBeVisible();
});

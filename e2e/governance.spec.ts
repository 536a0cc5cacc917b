// Organization governance with two people at once (two browser contexts) in the seeded demo org:
// a member's broadcast changes wait for the admin, who approves (the change goes live, the audit
// log shows both steps), rejects with a reason the member reads, or meets a conflict.
import { expect, test } from "@playwright/test";
import { DEMO, screenshot, signInToDemoOrganization, type DemoPerson } from "./helpers";

const api = (orgId: string, ...segments: string[]) => ["/api/workspaces", orgId, ...segments].join("/");

let member: DemoPerson;
let admin: DemoPerson;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  member = await signInToDemoOrganization(browser, DEMO.member);
  admin = await signInToDemoOrganization(browser, DEMO.owner);
});
test.afterAll(async () => {
  await member?.close();
  await admin?.close();
});

test("a member's new destination waits for approval, then goes live; the audit log shows both steps", async () => {
  const name = `Langfuse ${Date.now().toString(36)}`;
  // The member calls the API directly: 202 and a pending request, nothing created.
  const proposed = await member.page.request.post(api(member.orgId, "destinations"), {
    data: { type: "langfuse", name, config: { secretKey: "sk-lf-e2e-secret-value-0001", publicKey: "pk-lf-e2e-public-0001", baseUrl: "http://127.0.0.1:9" } },
  });
  expect(proposed.status()).toBe(202);
  const { changeRequest } = await proposed.json();
  expect(changeRequest.status).toBe("pending");
  const list = await member.page.request.get(api(member.orgId, "destinations"));
  expect(((await list.json()).destinations as { name: string }[]).map((d) => d.name)).not.toContain(name);

  await member.page.goto(`/w/${member.orgId}/approvals`);
  await expect(member.page.getByRole("heading", { name: "My requests" })).toBeVisible();
  const mine = member.page.getByRole("article", { name: `Add Langfuse destination “${name}”` });
  await expect(mine).toContainText("Pending approval");
  await expect(mine).toContainText("Secret Key");
  await expect(mine).not.toContainText("sk-lf-e2e-secret-value-0001");

  // The admin sees the count on the nav item, and the request with its diff.
  await admin.page.goto(`/w/${admin.orgId}/settings/observability`);
  const nav = admin.page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: /Approvals/ });
  await expect(nav.getByTestId("approvals-count")).toHaveText("1");
  await expect(admin.page.getByRole("complementary", { name: "Changes pending approval" })).toContainText(name);
  await nav.click();
  const card = admin.page.getByRole("article", { name: `Add Langfuse destination “${name}”` });
  await expect(card).toContainText("Proposed by member@demo.tracecast.dev");
  await expect(card.getByRole("table", { name: "Proposed changes" })).toContainText("Base URL");
  await screenshot(admin.page, "governance-approvals-desktop");

  await card.getByRole("button", { name: "Approve" }).click();
  const dialog = admin.page.getByRole("dialog", { name: "Approve this change?" });
  await dialog.getByRole("button", { name: "Approve and apply" }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.page.getByText("All caught up")).toBeVisible();
  await expect(nav.getByTestId("approvals-count")).toHaveCount(0);

  // Live: listed in the observability settings.
  await admin.page.goto(`/w/${admin.orgId}/settings/observability`);
  await expect(admin.page.getByText(name).first()).toBeVisible();

  // The audit log shows the proposal, the applied change and the decision; filter by actor.
  await admin.page.goto(`/w/${admin.orgId}/audit`);
  const events = admin.page.getByRole("table", { name: "Audit events" });
  await expect(events).toContainText("Change proposed");
  await expect(events).toContainText("Change approved");
  await expect(events).toContainText("Destination created");
  await admin.page.getByLabel("Actor").fill("member@demo");
  await expect(events).not.toContainText("Change approved");
  await expect(events).toContainText("Change proposed");
  await screenshot(admin.page, "governance-audit-desktop");

  await member.page.reload();
  await expect(member.page.getByRole("article", { name: `Add Langfuse destination “${name}”` })).toContainText("Approved");
});

test("a rejected change shows the member the reason; nothing changes", async () => {
  // The member flips the broadcast switch in the UI: it is proposed, not applied.
  await member.page.goto(`/w/${member.orgId}/settings/observability`);
  const toggle = member.page.getByRole("switch", { name: "Broadcast" });
  await expect(toggle).toBeChecked();
  await toggle.click();
  const confirm = member.page.getByRole("dialog", { name: "Propose turning broadcast off?" });
  await confirm.getByLabel("Comment for the admin (optional)").fill("Quiet week for the platforms");
  await confirm.getByRole("button", { name: "Propose turning off" }).click();
  await expect(member.page.getByText("Proposed — awaiting approval")).toBeVisible();
  await expect(toggle).toBeChecked();
  await screenshot(member.page, "governance-member-proposed-desktop");

  await admin.page.goto(`/w/${admin.orgId}/approvals`);
  const card = admin.page.getByRole("article", { name: "Turn broadcast off" });
  await card.getByRole("button", { name: "Reject" }).click();
  const dialog = admin.page.getByRole("dialog", { name: "Reject this change" });
  await expect(dialog.locator("blockquote")).toHaveText("Quiet week for the platforms");
  await dialog.getByLabel("Reason").fill("Broadcast stays on during the launch week");
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(dialog).toBeHidden();

  await member.page.goto(`/w/${member.orgId}/approvals`);
  const mine = member.page.getByRole("article", { name: "Turn broadcast off" }).first();
  await expect(mine).toContainText("Rejected");
  await expect(mine).toContainText("Reason: Broadcast stays on during the launch week");
  await screenshot(member.page, "governance-my-requests-desktop");
  const broadcast = await member.page.request.get(api(member.orgId, "broadcast"));
  expect(await broadcast.json()).toEqual({ enabled: true });
});

test("an admin's edit after the proposal turns the approval into a conflict; nothing is applied", async () => {
  const created = await admin.page.request.post(api(admin.orgId, "destinations"), {
    data: { type: "langfuse", name: `Conflict ${Date.now().toString(36)}`, config: { secretKey: "sk-lf-e2e-secret-value-0002", publicKey: "pk-lf-x", baseUrl: "http://127.0.0.1:9" } },
  });
  expect(created.status()).toBe(201);
  const { destination } = await created.json();
  const proposed = await member.page.request.patch(api(member.orgId, "destinations", destination.id), { data: { samplingRate: 0.25 } });
  expect(proposed.status()).toBe(202);
  const edited = await admin.page.request.patch(api(admin.orgId, "destinations", destination.id), { data: { privacyMode: true } });
  expect(edited.status()).toBe(200);

  await admin.page.goto(`/w/${admin.orgId}/approvals`);
  const card = admin.page.getByRole("article", { name: `Update “${destination.name}”` });
  await expect(card).toContainText("The target changed after this was proposed");
  await expect(card).toContainText("25%");
  await card.getByRole("button", { name: "Approve" }).click();
  const dialog = admin.page.getByRole("dialog", { name: "Approve this change?" });
  await dialog.getByRole("button", { name: "Approve and apply" }).click();
  // The request left the queue (its card and dialog with it); the reason stays in a notice.
  await expect(admin.page.getByText("Not applied: the request is now a conflict")).toBeVisible();
  await expect(admin.page.getByText(/changed after this request was made/)).toBeVisible();
  await expect(dialog).toBeHidden();
  await screenshot(admin.page, "governance-conflict-desktop");

  const after = await admin.page.request.get(api(admin.orgId, "destinations", destination.id));
  expect((await after.json()).destination).toMatchObject({ samplingRate: 1, privacyMode: true });
  await member.page.goto(`/w/${member.orgId}/approvals`);
  const mine = member.page.getByRole("article", { name: `Update “${destination.name}”` });
  await expect(mine).toContainText("Conflict");
  await expect(mine).toContainText("Not applied: The destination was changed after this request was made");
});

// The audit log says what changed (issue 25 point 3), at 1366 px: each field before → after,
// secrets only as "changed", switches as On/Off, names rather than ids, columns that fit, and
// CSV / JSON downloads that follow the screen's filters.
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { DEMO, screenshot, signInToDemoOrganization } from "./helpers";

const SECRET = "sk-lf-e2e-audit-secret-0123456789";
const NEW_SECRET = "sk-lf-e2e-audit-secret-9876543210";

test("field-level changes, names and on/off in the log; the downloads follow the filters", async ({ browser }) => {
  const owner = await signInToDemoOrganization(browser, DEMO.owner, { width: 1366, height: 900 });
  const { page, orgId } = owner;
  const api = (...segments: string[]) => ["/api/workspaces", orgId, ...segments].join("/");
  const name = `Audited ${Date.now().toString(36)}`;

  const created = await page.request.post(api("destinations"), {
    data: { type: "langfuse", name, config: { secretKey: SECRET, publicKey: "pk-lf-e2e-audit", baseUrl: "http://127.0.0.1:9" } },
  });
  expect(created.status()).toBe(201);
  const { destination } = await created.json();
  const updated = await page.request.patch(api("destinations", destination.id), {
    data: { samplingRate: 0.25, config: { ...destination.config, secretKey: NEW_SECRET } },
  });
  expect(updated.status()).toBe(200);
  expect((await page.request.post(api("destinations", destination.id, "pause"))).status()).toBe(200);
  expect((await page.request.put(api("broadcast"), { data: { enabled: false } })).status()).toBe(200);
  expect((await page.request.put(api("broadcast"), { data: { enabled: true } })).status()).toBe(200);
  // Renamed afterwards: the pause entry keeps the name it had.
  expect((await page.request.patch(api("destinations", destination.id), { data: { name: `${name} renamed` } })).status()).toBe(200);

  await page.goto(`/w/${orgId}/audit`);
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table).toContainText("Broadcast turned off");
  await expect(table).toContainText("Broadcast turned on");
  const broadcastOff = table.getByRole("row").filter({ hasText: "Broadcast turned off" }).first();
  await expect(broadcastOff).toContainText("Broadcast: On → Off");
  await expect(broadcastOff).toContainText(DEMO.organization);
  const pauseRow = table.getByRole("row").filter({ hasText: "Destination paused" }).first();
  await expect(pauseRow).toContainText(name);
  await expect(pauseRow).not.toContainText(destination.id);
  await expect(pauseRow).toContainText("Status: Active → Paused");
  const updateRow = table.getByRole("row").filter({ hasText: "Sampling rate: 100% → 25%" });
  await expect(updateRow).toContainText("Secret Key: set → changed");
  // Neither the secrets nor their masks ("sk-l...6789") are on the page.
  for (const secret of [SECRET, NEW_SECRET]) {
    await expect(page.locator("body")).not.toContainText(secret);
    await expect(page.locator("body")).not.toContainText(`${secret.slice(0, 4)}...${secret.slice(-4)}`);
  }

  // The columns fit at 1366 px: nothing scrolls sideways.
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    table: (() => {
      const t = document.querySelector('table[aria-label="Audit events"]')!;
      return t.scrollWidth - t.parentElement!.clientWidth;
    })(),
  }));
  expect(overflow.page).toBeLessThanOrEqual(0);
  expect(overflow.table).toBeLessThanOrEqual(0);
  await screenshot(page, "audit-log-1366");

  // Filtered to pauses: the CSV download holds those rows only, with names and changes.
  await page.getByLabel("Action").click();
  await page.getByRole("option", { name: "Destination paused", exact: true }).click();
  await expect(table.getByRole("row").filter({ hasText: "Destination updated" })).toHaveCount(0);
  const exportCsv = page.getByRole("link", { name: "Export CSV" });
  await expect(exportCsv).toHaveAttribute("href", /format=csv&action=destination.pause/);
  const [download] = await Promise.all([page.waitForEvent("download"), exportCsv.click()]);
  expect(download.suggestedFilename()).toMatch(/^tracecast-audit-.+\.csv$/);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toBe('"time","actor","action","target_type","target_id","target_name","changes"');
  expect(lines.slice(1).every((line) => line.includes('"destination.pause"'))).toBe(true);
  expect(csv).toContain(`"${name}","Status: Active → Paused"`);
  expect(csv).not.toContain(SECRET);
  await expect(page.getByRole("link", { name: "Export JSON" })).toHaveAttribute("href", /format=json&action=destination.pause/);
  await screenshot(page, "audit-log-filtered-1366");
  await owner.close();
});

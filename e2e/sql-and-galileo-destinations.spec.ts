import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signedUpPage } from "./helpers";

// Galileo, Supabase and PostgreSQL in the catalog: each form filled, tested and saved against real
// targets on 127.0.0.1 (scripts/e2e-server.sh allows private targets): a recorder standing in for
// Galileo's and Supabase's APIs, and for PostgreSQL the cluster of the test run (scripts/test-all.sh
// exports PGPORT; started here on the default port when absent), where the setup SQL shown by the
// form is run as a user would.

type Request = { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string };

function startApi(): Promise<{ url: string; requests: Request[]; close: () => Promise<void> }> {
  const requests: Request[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(req.url?.startsWith("/rest/v1/") ? 201 : 200, { "content-type": "application/json" });
      res.end(req.url?.startsWith("/rest/v1/") ? "" : '{"traces_count":1,"records_count":1}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((done) => server.close(() => done())) }),
    ),
  );
}

let api: Awaited<ReturnType<typeof startApi>>;
test.beforeAll(async () => {
  api = await startApi();
});
test.afterAll(() => api.close());

async function openFromCatalog(page: Page, search: string, name: string) {
  await page.getByRole("link", { name: "Observability" }).first().click();
  await page.getByRole("button", { name: "Add destination" }).first().click();
  const catalog = page.getByRole("dialog", { name: "Add a destination" });
  await catalog.getByLabel("Search platforms").fill(search);
  await catalog.getByRole("link", { name: new RegExp(`^${name}`) }).click();
  await expect(page.getByRole("heading", { name: `Add ${name}`, level: 1 })).toBeVisible();
}

async function testAndSave(page: Page, name: string, screenshotName: string) {
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status", { name: "Connection test passed" })).toBeVisible({ timeout: 30_000 });
  await screenshot(page, screenshotName);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.waitForURL(/\/settings\/observability\/(?!new)[^/?]+$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
}

test("Galileo and Supabase: in the catalog with their marks, forms checked before sending, tested and saved", async ({ browser }) => {
  test.setTimeout(180_000);
  const { page, context } = await signedUpPage(browser, "Platforms-sql");
  await page.getByRole("button", { name: "Add destination" }).first().click();
  const catalog = page.getByRole("dialog", { name: "Add a destination" });
  for (const name of ["Galileo", "PostgreSQL", "Supabase"]) await expect(catalog.getByRole("link", { name: new RegExp(`^${name}`) })).toBeVisible();
  await catalog.getByRole("link", { name: /^Supabase/ }).scrollIntoViewIfNeeded();
  await screenshot(page, "destinations-catalog-storage");
  await catalog.getByLabel("Search platforms").fill("supa");
  await expect(catalog.locator('svg[data-mark="brand"]')).toHaveCount(1);
  await page.keyboard.press("Escape");

  await openFromCatalog(page, "galileo", "Galileo");
  await page.getByLabel("Name", { exact: true }).fill("Galileo prod");
  await page.getByLabel(/^Api Key/).fill("galileo-e2e-secret");
  await page.getByLabel(/^Project Id/).fill("my-project");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText("Project Id must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")).toBeVisible();
  expect(api.requests).toHaveLength(0);
  await page.getByLabel(/^Project Id/).fill("3fa85f64-5717-4562-b3fc-2c963f66afa6");
  await page.getByLabel(/^Log Stream Id/).fill("5fa85f64-5717-4562-b3fc-2c963f66afa7");
  await page.getByLabel(/^Base Url/).fill(api.url);
  await testAndSave(page, "Galileo prod", "destinations-galileo-tested");
  const galileoSent = api.requests.filter((r) => r.url === "/projects/3fa85f64-5717-4562-b3fc-2c963f66afa6/traces");
  expect(galileoSent.length).toBeGreaterThan(0);
  expect(galileoSent[0].headers["galileo-api-key"]).toBe("galileo-e2e-secret");

  await openFromCatalog(page, "supabase", "Supabase");
  await page.getByLabel("Name", { exact: true }).fill("Supabase traces");
  await page.getByLabel(/^Project URL/).fill(api.url);
  await page.getByLabel(/^Secret Key/).fill("sb_publishable_abc");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText("This is a publishable key: use a secret key (sb_secret_…), which may insert past Row Level Security")).toBeVisible();
  await page.getByLabel(/^Secret Key/).fill("sb_secret_e2eSecretKey0123");
  const sql = page.locator("section", { has: page.getByRole("heading", { name: "Table setup" }) }).locator("pre");
  await expect(sql).toContainText('CREATE TABLE IF NOT EXISTS "public"."tracecast_traces"');
  await expect(sql).toContainText('ALTER TABLE "public"."tracecast_traces" ENABLE ROW LEVEL SECURITY;');
  await page.getByRole("textbox", { name: /^Table/ }).fill("llm_calls");
  await expect(sql).toContainText('"public"."llm_calls"');
  await testAndSave(page, "Supabase traces", "destinations-supabase-tested");
  const supabaseSent = api.requests.filter((r) => r.url.startsWith("/rest/v1/llm_calls?columns="));
  expect(supabaseSent.length).toBeGreaterThan(0);
  expect([supabaseSent[0].headers.apikey, supabaseSent[0].headers["content-profile"]]).toEqual(["sb_secret_e2eSecretKey0123", "public"]);
  await context.close();
});

test("PostgreSQL: the setup SQL from the form creates the table, Test connection names what is missing, then passes, and it saves", async ({ browser }) => {
  test.setTimeout(180_000);
  // The test run's cluster (already up under scripts/test-all.sh: then this returns at once), or the default one.
  const port = process.env.PGPORT || "54329";
  execFileSync("bash", ["scripts/postgres.sh", "start"], { env: { ...process.env, PGPORT: port }, stdio: "inherit" });
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  const database = `tracecast_e2e_pg_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const target = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/${database}` });
  await target.connect();
  try {
    const { page, context } = await signedUpPage(browser, "PostgreSQL");
    await openFromCatalog(page, "postgres", "PostgreSQL");
    await page.getByLabel("Name", { exact: true }).fill("Warehouse");
    await page.getByLabel(/^Connection String/).fill(`postgresql://postgres@127.0.0.1:${port}/${database}?sslmode=disable`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText("Connection String must not carry parameters (?…): choose TLS with the TLS field")).toBeVisible();
    await page.getByLabel(/^Connection String/).fill(`postgresql://postgres@127.0.0.1:${port}/${database}`);
    await page.getByRole("combobox", { name: /^TLS/ }).click();
    await page.getByRole("option", { name: /^Off \(disable/ }).click();

    // Before the table exists, the test says so.
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByRole("status", { name: "Connection test failed" })).toContainText("PostgreSQL refused the test of tracecast_traces: the table does not exist: create it with the setup SQL");
    await screenshot(page, "destinations-postgres-no-table");

    // The user runs the SQL the form shows.
    const sql = page.locator("section", { has: page.getByRole("heading", { name: "Table setup" }) }).locator("pre");
    await expect(sql).toContainText('CREATE TABLE IF NOT EXISTS "tracecast_traces"');
    await target.query((await sql.textContent()) ?? "");
    await testAndSave(page, "Warehouse", "destinations-postgres-tested");
    // Test connection keeps nothing in the table.
    expect((await target.query("SELECT count(*)::int AS n FROM tracecast_traces")).rows[0]).toEqual({ n: 0 });

    // On a phone the form, its TLS choice and the setup SQL fit the width (the SQL scrolls in its box).
    await page.setViewportSize({ width: 375, height: 812 });
    await openFromCatalog(page, "postgres", "PostgreSQL");
    await expect(page.locator("section", { has: page.getByRole("heading", { name: "Table setup" }) }).locator("pre")).toContainText("CREATE TABLE");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, "destinations-postgres-mobile");
    await context.close();
  } finally {
    await target.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
});

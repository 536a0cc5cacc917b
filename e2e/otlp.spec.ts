import { expect, test } from "@playwright/test";
import { signedUpPage } from "./helpers";

// The API keys screen's OpenTelemetry settings, used exactly as shown against the production
// server (scripts/server.mjs): a new key in the header they show, OTLP/JSON to the endpoint they
// show, as an exporter or OpenRouter's OpenTelemetry Collector destination would send it.
test("the OTLP endpoint and headers the API keys screen shows accept spans", async ({ browser }) => {
  const { page, workspaceId, context } = await signedUpPage(browser, "Otlp");
  await page.goto(`/w/${workspaceId}/api-keys`);
  await page.getByRole("button", { name: "Create API key" }).first().click();
  await page.getByRole("dialog").getByLabel("Name").fill("OpenTelemetry");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = await page.getByRole("dialog").getByLabel("API key").inputValue();
  await page.getByRole("button", { name: "Done" }).click();

  const card = page.locator('[aria-labelledby="otlp-endpoint-title"]');
  await expect(card.getByText("Send OpenTelemetry traces")).toBeVisible();
  const blocks = card.locator("pre");
  const endpoint = (await blocks.nth(0).textContent())!;
  expect(endpoint).toBe(`${new URL(page.url()).origin}/v1/traces`);
  expect(await blocks.nth(1).textContent()).toContain(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${endpoint}`);
  const openRouterHeaders = JSON.parse((await blocks.nth(3).textContent())!.replace("YOUR_TRACECAST_API_KEY", secret)) as Record<string, string>;

  const span = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    name: "chat gpt-4o-mini",
    kind: 3,
    startTimeUnixNano: "1765101600000000000",
    endTimeUnixNano: "1765101601000000000",
    attributes: [
      { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
      { key: "gen_ai.request.model", value: { stringValue: "gpt-4o-mini" } },
      { key: "gen_ai.usage.input_tokens", value: { intValue: "12" } },
    ],
  };
  const answer = await context.request.post(endpoint, {
    headers: { "content-type": "application/json", ...openRouterHeaders },
    data: { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "e2e" }, spans: [span] }] }] },
  });
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toEqual({});

  const wrongKey = await context.request.post(endpoint, { headers: { "content-type": "application/json", "x-api-key": "tc_wrong" }, data: { resourceSpans: [] } });
  expect(wrongKey.status()).toBe(401);
  await context.close();
});
